/**
 * A string test for the bench's hot readers (lean-v2-client.ts, irc-driver.ts), which look at a
 * million lines a second in place.
 */

/**
 * Whether `s` has `p` at `at`: a slice and a compare. String#startsWith with a position cost about
 * 80 ns a call on the benchmark machine (it first checks whether its argument is a RegExp); this
 * about a third of that (bench/RESULTS.md, round 6).
 */
export function hasAt(s: string, at: number, p: string): boolean {
  return s.slice(at, at + p.length) === p;
}
