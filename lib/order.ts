/**
 * Ordering that does not depend on the machine: strings compared by UTF-16 code unit (the same
 * as code point order for the names this project sorts), never by `localeCompare`, whose result
 * follows the locale (ICU data, LANG) of whoever runs the program. A peer list sorted by locale
 * would make Helm see a diff depending on who ran `up`. Neutral: imports nothing.
 */

/** Compares two strings by code unit: negative, zero or positive, like `localeCompare`. */
export function byCodePoint(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
