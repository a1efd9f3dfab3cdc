//! What parent and child say to each other: a fixed request header and the JPEG on the
//! child's stdin; on success exactly width × height × 3 bytes of RGB on its stdout; an exit
//! code for the outcome.

/// The hidden subcommand that runs [`crate::child_main`] in the server's executable.
pub const SUBCOMMAND: &str = "__libjpeg-decode";

/// Exit codes of the child.
pub(crate) mod exit {
    pub const DECODED: u8 = 0;
    /// Not a frame the child takes (CMYK, grey, 12-bit…): the Rust decoders will.
    pub const DECLINED: u8 = 3;
    /// libjpeg reported an error or a warning (corrupt or truncated data).
    pub const CORRUPT: u8 = 4;
    /// The sandbox could not be set up; nothing was decoded.
    pub const NO_SANDBOX: u8 = 5;
    /// The request could not be read.
    pub const BAD_REQUEST: u8 = 6;
}

/// The header the parent writes before the JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Request {
    /// 1, 2, 4 or 8: the DCT-domain reduction.
    pub scale: u32,
    /// The frame's size as the parent's probe read it; the child checks libjpeg agrees.
    pub width: u32,
    pub height: u32,
}

const HEADER_BYTES: usize = 12;

impl Request {
    pub fn output_size(&self) -> (u32, u32) {
        (
            self.width.div_ceil(self.scale),
            self.height.div_ceil(self.scale),
        )
    }

    pub fn output_bytes(&self) -> usize {
        let (w, h) = self.output_size();
        w as usize * h as usize * 3
    }

    pub fn header(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0; HEADER_BYTES];
        out[..4].copy_from_slice(&self.scale.to_le_bytes());
        out[4..8].copy_from_slice(&self.width.to_le_bytes());
        out[8..].copy_from_slice(&self.height.to_le_bytes());
        out
    }

    /// The request and the JPEG after it.
    pub fn parse(input: &[u8]) -> Option<(Request, &[u8])> {
        let word = |at: usize| -> Option<u32> {
            let bytes = input.get(at..at + 4)?;
            Some(u32::from_le_bytes(bytes.try_into().ok()?))
        };
        let request = Request {
            scale: word(0)?,
            width: word(4)?,
            height: word(8)?,
        };
        let valid = matches!(request.scale, 1 | 2 | 4 | 8)
            && (1..=65_535).contains(&request.width)
            && (1..=65_535).contains(&request.height);
        valid.then_some((request, input.get(HEADER_BYTES..)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_nonsense_is_refused() {
        let request = Request {
            scale: 2,
            width: 4224,
            height: 3168,
        };
        let mut input = request.header().to_vec();
        input.extend_from_slice(b"jpeg");
        assert_eq!(Request::parse(&input), Some((request, &b"jpeg"[..])));
        assert_eq!(request.output_size(), (2112, 1584));
        let mut bad_scale = input.clone();
        bad_scale[0] = 3;
        assert_eq!(Request::parse(&bad_scale), None);
        assert_eq!(Request::parse(&input[..11]), None);
    }
}
