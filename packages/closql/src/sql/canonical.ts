/**
 * The text PostgreSQL prints for uuid and date values (closql pins DateStyle ISO). JavaScript sees
 * these columns as that text, so a string equals such a value exactly when it is its canonical
 * text: used at build time for literals and at run time for bound strings.
 */
export const canonical = {
  uuid(text: string): boolean {
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text);
  },
  /** `2020-01-31`, `12345-01-01`, `0044-03-15 BC`, `infinity`: a date PostgreSQL can hold, printed ISO. */
  date(text: string): boolean {
    if (text === "infinity" || text === "-infinity") return true;
    const m = /^(\d{4}|[1-9]\d{4,6})-(\d\d)-(\d\d)( BC)?$/.exec(text);
    if (!m) return false;
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const bc = m[4] !== undefined;
    if (year < 1 || (bc ? year > 4713 : year > 5874897) || month < 1 || month > 12 || day < 1) return false;
    // Proleptic Gregorian calendar; 1 BC is astronomical year 0.
    const y = bc ? 1 - year : year;
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return day <= days;
  },
};
