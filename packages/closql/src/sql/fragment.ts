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

/**
 * Accumulates the text and parameters of one statement: as text with `$n` (build) or as a fragment
 * (fragment), so a whole SELECT can be nested in another one (a subquery) and renumbered there.
 */
export class StatementBuilder<P> {
  private readonly sql: string[] = [""];
  private readonly refs: number[] = [];
  readonly params: P[] = [];

  append(sql: string): this {
    this.sql[this.sql.length - 1] += sql;
    return this;
  }

  /** Appends a fragment, giving each of its distinct params the next parameter number. */
  appendFragment(f: Fragment<P>): this {
    const numbers = new Map<number, number>();
    this.append(f.sql[0]);
    for (let i = 0; i < f.refs.length; i++) {
      const ref = f.refs[i];
      let n = numbers.get(ref);
      if (n === undefined) {
        this.params.push(f.params[ref]);
        n = this.params.length - 1;
        numbers.set(ref, n);
      }
      this.refs.push(n);
      this.sql.push(f.sql[i + 1]);
    }
    return this;
  }

  /** Appends fragments separated by `separator`. */
  appendJoined(fragments: readonly Fragment<P>[], separator: string): this {
    fragments.forEach((f, i) => {
      if (i > 0) this.append(separator);
      this.appendFragment(f);
    });
    return this;
  }

  build(): { text: string; params: P[] } {
    let text = this.sql[0];
    for (let i = 0; i < this.refs.length; i++) text += `$${this.refs[i] + 1}${this.sql[i + 1]}`;
    return { text, params: this.params };
  }

  fragment(): Fragment<P> {
    return { sql: this.sql, refs: this.refs, params: this.params };
  }
}
