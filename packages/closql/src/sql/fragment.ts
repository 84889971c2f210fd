/**
 * A piece of SQL compiled at build time, with holes for bound values.
 *
 * `sql` has one more element than `refs`: the text is sql[0], hole refs[0], sql[1], … .
 * A hole names an entry of `params` (refs may repeat one, e.g. `x = $1 OR (x IS NULL AND $1 IS NULL)`).
 * Params stay local to the fragment so fragments compiled separately can be joined later: the statement
 * assembler renumbers them. `P` is a TypeScript expression at build time and a value at run time — the
 * same assembler serves both, which is why a chain built across `if`s prints exactly the SQL of the
 * static chain.
 */
export interface Fragment<P = unknown> {
  readonly sql: readonly string[];
  readonly refs: readonly number[];
  readonly params: readonly P[];
}

/** The shape of a fragment without its values: what the transformer emits as a constant. */
export interface FragmentShape {
  readonly sql: readonly string[];
  readonly refs: readonly number[];
}

/** Accumulates the text and parameters of one statement. */
export class StatementBuilder<P> {
  private text = "";
  readonly params: P[] = [];

  append(sql: string): this {
    this.text += sql;
    return this;
  }

  /** Appends a fragment, giving each of its distinct params the next `$n`. */
  appendFragment(f: Fragment<P>): this {
    const numbers = new Map<number, number>();
    this.text += f.sql[0];
    for (let i = 0; i < f.refs.length; i++) {
      const ref = f.refs[i];
      let n = numbers.get(ref);
      if (n === undefined) {
        this.params.push(f.params[ref]);
        n = this.params.length;
        numbers.set(ref, n);
      }
      this.text += `$${n}${f.sql[i + 1]}`;
    }
    return this;
  }

  /** Appends fragments separated by `separator`. */
  appendJoined(fragments: readonly Fragment<P>[], separator: string): this {
    fragments.forEach((f, i) => {
      if (i > 0) this.text += separator;
      this.appendFragment(f);
    });
    return this;
  }

  build(): { text: string; params: P[] } {
    return { text: this.text, params: this.params };
  }
}
