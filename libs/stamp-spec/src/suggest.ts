// Near-miss suggestions: "did you mean …?" for a misspelt catalog name.

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Long inputs are never near misses of a catalog name; don't spend quadratic time on them.
  if (Math.abs(a.length - b.length) > 3 || a.length > 256 || b.length > 256) return Math.max(a.length, b.length);
  const prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2.splice(0, prev2.length, ...prev);
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `value`, when it is close enough to be a slip of
 * the keyboard: at most 2 edits (1 for names of up to 4 characters), or the
 * same name in another case. Ties go to the first candidate in sorted order.
 * @returns undefined when nothing is that close
 */
export function closestMatch(value: string, candidates: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  const lower = value.toLowerCase();
  for (const name of [...candidates].sort()) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.min(value.length, best.name.length) <= 4 ? 1 : 2;
  return best.distance <= allowed ? best.name : undefined;
}

/** `; did you mean 'x'?`-style hint, or '' when nothing is close. */
export function didYouMean(value: string, candidates: Iterable<string>): string {
  const match = closestMatch(value, candidates);
  return match === undefined || match === value ? '' : `did you mean '${match}'? `;
}
