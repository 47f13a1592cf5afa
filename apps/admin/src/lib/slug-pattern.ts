// The slug rule of the contracts (`slug` in @acme/services' models) as an HTML `pattern`, so the
// browser checks it before a call. Browsers compile `pattern` with the `v` flag, where a bare `-`
// inside a class is a syntax error (and the check is silently skipped): it is escaped here.
export const SLUG_PATTERN = String.raw`[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?`;
