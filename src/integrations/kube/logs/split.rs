//! Splits a log stream into lines at the byte level: a line is whatever lies between two
//! newlines, valid UTF-8 or not, and no line grows past a cap while it is being read.

/// Cuts a byte stream into lines of at most `cap` bytes (the rest of a longer line is skipped
/// up to its newline). Decoding is the caller's business, so an invalid byte cannot end it.
#[derive(Debug)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// The current line passed the cap: skip until its newline.
    skipping: bool,
    cap: usize,
}

impl LineSplitter {
    /// A splitter keeping at most `cap` bytes of each line.
    pub fn new(cap: usize) -> Self {
        Self {
            partial: Vec::new(),
            skipping: false,
            cap: cap.max(1),
        }
    }

    /// Feeds the next chunk; `line` gets every line it completes, without the newline (nor a
    /// carriage return before it).
    pub fn feed(&mut self, mut chunk: &[u8], mut line: impl FnMut(&[u8])) {
        while let Some(nl) = chunk.iter().position(|b| *b == b'\n') {
            let head = &chunk[..nl];
            if self.partial.is_empty() && !self.skipping {
                line(trim_cr(&head[..head.len().min(self.cap)]));
            } else {
                self.keep(head);
                line(trim_cr(&self.partial));
                self.partial.clear();
            }
            self.skipping = false;
            chunk = &chunk[nl + 1..];
        }
        self.keep(chunk);
    }

    /// The stream ended: `line` gets an unterminated last line, if any.
    pub fn finish(&mut self, mut line: impl FnMut(&[u8])) {
        if !self.partial.is_empty() {
            line(trim_cr(&self.partial));
        }
        self.partial.clear();
        self.skipping = false;
    }

    /// Appends part of the current line, up to the cap.
    fn keep(&mut self, bytes: &[u8]) {
        let room = self.cap - self.partial.len();
        if bytes.len() > room {
            self.skipping = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn split(cap: usize, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut s = LineSplitter::new(cap);
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, |l| out.push(l.to_vec()));
        }
        s.finish(|l| out.push(l.to_vec()));
        out
    }

    #[test]
    fn invalid_bytes_and_split_chunks_are_just_bytes() {
        let out = split(100, &[b"a\xff", b"b\nc\r\n\xc3", b"\xa9\nlast"]);
        assert_eq!(
            out,
            vec![
                b"a\xffb".to_vec(),
                b"c".to_vec(),
                "é".as_bytes().to_vec(),
                b"last".to_vec()
            ]
        );
    }

    #[test]
    fn the_cap_applies_while_reading_and_the_next_line_is_whole() {
        let long = vec![b'x'; 10_000];
        let out = split(
            16,
            &[
                &long[..5_000],
                &long[5_000..],
                b"\nnext\n",
                &[b'y'; 20],
                b"\n",
            ],
        );
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], vec![b'x'; 16]);
        assert_eq!(out[1], b"next".to_vec());
        assert_eq!(out[2], vec![b'y'; 16]);
    }
}
