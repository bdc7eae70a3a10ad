// The model's values and loaders live in LariatData (compiled with bounds
// and overflow checks, as parsers of untrusted files must be); code that
// imports LariatModel sees them as before.
@_exported import LariatData
