//! Cursor arithmetic shared by every list: a position moved by a signed number of rows.

/// A cursor position moved by `delta` within `0..len`; `isize::MIN`/`isize::MAX` jump to the
/// first/last row.
pub(crate) fn step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    match delta {
        isize::MIN => 0,
        isize::MAX => len - 1,
        d if d < 0 => cur.saturating_sub(d.unsigned_abs()),
        d => (cur + d.unsigned_abs()).min(len - 1),
    }
}
