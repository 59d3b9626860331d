//! The bit-level reading and writing of a JPEG scan for [`super::optimize`]: bits most
//! significant first, stuffed zeros already removed on reading and added on writing.

/// Reads bits most significant first; past the end it reads ones (JPEG padding), and
/// [`BitReader::consume`] fails once real bits have run out.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    at: usize,
    acc: u64,
    n: u8,
    /// Bits consumed past the end of the data.
    over: u32,
}

impl<'a> BitReader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            at: 0,
            acc: 0,
            n: 0,
            over: 0,
        }
    }

    fn fill(&mut self) {
        if let Some(bytes) = self.data.get(self.at..self.at + 8) {
            // Eight bytes at once: as many whole bytes as the accumulator has room for.
            let word = u64::from_be_bytes(bytes.try_into().expect("8 bytes"));
            self.acc |= word >> self.n;
            let taken = (63 - self.n) >> 3;
            self.at += usize::from(taken);
            self.n += taken * 8;
            // Clear what was shifted in beyond the bytes taken.
            self.acc &= !(u64::MAX >> self.n);
            return;
        }
        while self.n <= 56 {
            let byte = match self.data.get(self.at) {
                Some(&b) => b,
                None => {
                    self.over += 8;
                    0xFF
                }
            };
            self.at += 1;
            self.acc |= u64::from(byte) << (56 - self.n);
            self.n += 8;
        }
    }

    #[inline(always)]
    pub(super) fn peek(&mut self, bits: u8) -> u32 {
        if self.n < bits {
            self.fill();
        }
        (self.acc >> (64 - u32::from(bits))) as u32
    }

    #[inline(always)]
    pub(super) fn consume(&mut self, bits: u8) -> Option<()> {
        if self.n < bits {
            self.fill();
        }
        self.acc <<= bits;
        self.n -= bits;
        // Bits past the end of the data were never written: the scan ran out.
        (self.over <= u32::from(self.n)).then_some(())
    }

    #[inline(always)]
    pub(super) fn bits(&mut self, bits: u8) -> Option<u32> {
        if bits == 0 {
            return Some(0);
        }
        let value = self.peek(bits);
        self.consume(bits)?;
        Some(value)
    }

    /// Whether what is left unread is fewer than 8 bits, all ones.
    pub(super) fn only_padding_left(&mut self) -> bool {
        let real_left = u64::from(self.n) + 8 * (self.data.len().saturating_sub(self.at)) as u64;
        let real_left = real_left.saturating_sub(u64::from(self.over));
        if real_left >= 8 {
            return false;
        }
        let bits = real_left as u8;
        bits == 0 || self.peek(bits) == (1 << bits) - 1
    }
}

/// Writes bits most significant first, stuffing a zero after every `FF`, padding with ones.
pub(super) struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// A writer appending to `out`.
    pub(super) fn new(out: Vec<u8>) -> Self {
        Self { out, acc: 0, n: 0 }
    }

    /// Appends the low `len` bits of `bits` (at most 32).
    #[inline(always)]
    pub(super) fn put(&mut self, bits: u32, len: u8) {
        if len == 0 {
            return;
        }
        let len = u32::from(len);
        self.acc = (self.acc << len) | (u64::from(bits) & ((1u64 << len) - 1));
        self.n += len;
        if self.n >= 32 {
            self.n -= 32;
            let word = (self.acc >> self.n) as u32;
            // Four bytes at once unless one is FF (found as a zero byte of the complement).
            let inverted = !word;
            if inverted.wrapping_sub(0x0101_0101) & !inverted & 0x8080_8080 == 0 {
                self.out.extend_from_slice(&word.to_be_bytes());
            } else {
                for byte in word.to_be_bytes() {
                    self.byte(byte);
                }
            }
        }
    }

    fn byte(&mut self, byte: u8) {
        self.out.push(byte);
        if byte == 0xFF {
            self.out.push(0);
        }
    }

    pub(super) fn finish(mut self) -> Vec<u8> {
        let pad = (8 - self.n % 8) % 8;
        self.put((1 << pad) - 1, pad as u8);
        while self.n >= 8 {
            self.n -= 8;
            self.byte((self.acc >> self.n) as u8);
        }
        self.out
    }
}
