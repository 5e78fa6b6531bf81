// XEP-0082 DateTime (ISO 8601 profile): CCYY-MM-DDThh:mm:ss[.sss]TZD, TZD = Z or ±hh:mm.
// Parsed by hand: Date.parse accepts more (and less) than XEP-0082 depending on the engine.

const RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or undefined if `s` is not a valid XEP-0082 DateTime. */
export function parseDateTime(s: string): number | undefined {
  const m = RE.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > days) return undefined;
  const ms = m[7] ? Math.floor(Number('0' + m[7]) * 1000) : 0;
  let offset = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[8].slice(1, 3));
    const om = Number(m[8].slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offset = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om) * 60000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, se, ms) - offset;
}

/** UTC, whole seconds, `Z`: the form spimekit emits. */
export function formatDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** UTC with milliseconds when there are any: two dates within one second stay distinct (entries:
 *  the ScopeNode keys them by (osid, date), §7.4; owner requests: each strictly later, §6.5). */
export function formatPreciseDateTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  return iso.endsWith('.000Z') ? iso.replace('.000Z', 'Z') : iso;
}
