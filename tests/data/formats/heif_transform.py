#!/usr/bin/env python3
"""Add irot/imir properties to the primary item of a HEIF file written by heif-enc
(meta before mdat, 16-bit item ids). Usage: heif_transform.py in.heic out.heic [irot=N] [imir=A]"""
import struct, sys

def boxes(b, start, end):
    at = start
    while at < end:
        size, typ = struct.unpack('>I4s', b[at:at+8])
        yield at, size, typ.decode('latin1')
        at += size

def main():
    src, dst, *ops = sys.argv[1:]
    b = bytearray(open(src, 'rb').read())
    props = []
    for op in ops:
        k, v = op.split('=')
        props.append(struct.pack('>I4sB', 9, k.encode(), int(v)))
    add = b''.join(props)
    meta = next((a, s) for a, s, t in boxes(b, 0, len(b)) if t == 'meta')
    m0, msize = meta
    inner = m0 + 12  # full box
    kids = {t: (a, s) for a, s, t in boxes(b, inner, m0 + msize)}
    primary = struct.unpack('>H', b[kids['pitm'][0] + 12:kids['pitm'][0] + 14])[0]
    ip0, ipsize = kids['iprp']
    ipk = {t: (a, s) for a, s, t in boxes(b, ip0 + 8, ip0 + ipsize)}
    co0, cosize = ipk['ipco']
    nprops = sum(1 for _ in boxes(b, co0 + 8, co0 + cosize))
    ma0, masize = ipk['ipma']
    ver, flags = b[ma0 + 8], int.from_bytes(b[ma0 + 9:ma0 + 12], 'big')
    assert ver == 0, 'ipma v0 only'
    wide = flags & 1
    count = struct.unpack('>I', b[ma0 + 12:ma0 + 16])[0]
    at = ma0 + 16
    entries = []
    for _ in range(count):
        item = struct.unpack('>H', b[at:at + 2])[0]; n = b[at + 2]; at += 3
        w = 2 if wide else 1
        assoc = [bytes(b[at + i * w: at + (i + 1) * w]) for i in range(n)]
        at += n * w
        entries.append([item, assoc])
    for e in entries:
        if e[0] == primary:
            for i in range(len(props)):
                idx = nprops + 1 + i
                e[1].append(struct.pack('>H', 0x8000 | idx) if wide else bytes([0x80 | idx]))
    body = struct.pack('>I', count) + b''.join(struct.pack('>HB', it, len(a)) + b''.join(a) for it, a in entries)
    new_ipma = struct.pack('>I4sB', 12 + len(body), b'ipma', 0) + flags.to_bytes(3, 'big') + body
    new_ipco = struct.pack('>I4s', cosize + len(add), b'ipco') + b[co0 + 8:co0 + cosize] + add
    # rebuild iprp with ipco and ipma in their order
    parts = []
    for a, s, t in boxes(b, ip0 + 8, ip0 + ipsize):
        parts.append(new_ipco if t == 'ipco' else new_ipma if t == 'ipma' else bytes(b[a:a + s]))
    new_iprp = struct.pack('>I4s', 8 + sum(map(len, parts)), b'iprp') + b''.join(parts)
    delta = len(new_iprp) - ipsize
    # shift iloc file offsets (construction method 0) by delta
    il0, ilsize = kids['iloc']
    v = b[il0 + 8]
    at = il0 + 12
    osz, lsz = b[at] >> 4, b[at] & 15
    bsz, isz = b[at + 1] >> 4, (b[at + 1] & 15 if v in (1, 2) else 0)
    at += 2
    n = struct.unpack('>H' if v < 2 else '>I', b[at:at + (2 if v < 2 else 4)])[0]; at += 2 if v < 2 else 4
    def rd(at, sz): return int.from_bytes(b[at:at + sz], 'big')
    def wr(at, sz, val): b[at:at + sz] = val.to_bytes(sz, 'big')
    for _ in range(n):
        at += 2 if v < 2 else 4
        cm = 0
        if v in (1, 2): cm = b[at + 1] & 15; at += 2
        at += 2  # data ref index
        base_at = at; base = rd(at, bsz); at += bsz
        if cm == 0 and bsz and base > m0: wr(base_at, bsz, base + delta)
        ext = struct.unpack('>H', b[at:at + 2])[0]; at += 2
        for _ in range(ext):
            at += isz
            if cm == 0 and not bsz:
                off = rd(at, osz)
                if off > m0: wr(at, osz, off + delta)
            at += osz + lsz
    out = bytes(b[:ip0]) + new_iprp + bytes(b[ip0 + ipsize:])
    # meta size
    out = bytearray(out)
    out[m0:m0 + 4] = struct.pack('>I', msize + delta)
    open(dst, 'wb').write(out)

main()
