import { date, doublePrecision, pgEnum, relations, serial, table, text, timestamp, timestamptz, uuid } from "closql";

/** Values whose text form or order depends on session settings: timestamps, dates, floats, strings. */
export const mood = pgEnum("mood", ["zzz", "Happy", "angry", "_meh", "Éclat"]);
export const moments = table("moments", {
  id: serial().primaryKey(),
  name: text(),
  mood: mood(),
  tag: uuid(),
  ts: timestamp(),
  tz: timestamptz(),
  day: date(),
  f: doublePrecision(),
  stamps: timestamp().array(),
});
export const sessionSchema = relations({ moments });
export type Moment = typeof moments.$row;

/** Names that sort differently under en-US (ICU or libc) than by code units. */
const NAMES = [
  "apple",
  "Apple",
  "APPLE",
  "äpple",
  "Zebra",
  "zebra",
  "_under",
  "-dash",
  "10",
  "9",
  "1-0",
  "é",
  "e",
  "E",
  "f",
  "a b",
  "ab",
  "a-b",
  "Ω",
  "😀",
  "",
  " lead",
  "co-op",
  "coop",
  "ß", // (not U+E000–U+FFFF: those sort after astral characters by code point, a documented limit)
  "z",
];

/** Instants around the epoch, DST changes of America/New_York and Asia/Kolkata's half-hour offset. */
const INSTANTS = [
  Date.UTC(2024, 2, 10, 6, 30, 0, 1), // 01:30 EST → the hour New York skips
  Date.UTC(2024, 10, 3, 5, 30, 0, 999), // the hour New York repeats
  Date.UTC(2020, 0, 1, 0, 0, 0, 0),
  Date.UTC(2019, 11, 31, 18, 30, 0, 0), // midnight in Kolkata
  Date.UTC(1969, 11, 31, 23, 59, 59, 999),
  Date.UTC(1970, 0, 1, 0, 0, 0, 0),
  -62198755200000, // 0000-12-31 (1 BC) in the proleptic Gregorian calendar
  Date.UTC(2038, 0, 19, 3, 14, 8, 500),
];

export function sessionRows(): Moment[] {
  return NAMES.map((name, i) => {
    const ts = new Date(INSTANTS[i % INSTANTS.length] + i);
    return {
      id: i + 1,
      name,
      mood: mood.values[i % mood.values.length],
      tag: `${(i * 37).toString(16).padStart(8, "0")}-0000-4000-8000-00000000000${i % 10}`,
      ts,
      tz: new Date(INSTANTS[(i + 3) % INSTANTS.length] - i),
      day: `20${String(10 + (i % 20)).padStart(2, "0")}-0${1 + (i % 9)}-${String(1 + i).padStart(2, "0")}`,
      f: [0.1 + 0.2, 1 / 3, 1e-300, 123456789.123456789, -0.5][i % 5],
      stamps: [ts, new Date(ts.getTime() + 86_400_000)],
    };
  });
}
