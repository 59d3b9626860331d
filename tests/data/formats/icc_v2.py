"""The pieces of an ICC v2 profile that make_p3_icc.py and make_cmyk_icc.py share: fixed-point
numbers, the common tag types, and the header and tag table around the tags."""
import struct

def s15(v): return struct.pack('>i', round(v * 65536))
def xyz(x, y, z): return b'XYZ \0\0\0\0' + s15(x) + s15(y) + s15(z)
def desc(text):
    t = text.encode() + b'\0'
    return b'desc\0\0\0\0' + struct.pack('>I', len(t)) + t + b'\0' * 4 + b'\0' * 4 + b'\0' * 2 + b'\0' + b'\0' * 67
def text(t): return b'text\0\0\0\0' + t.encode() + b'\0'

def profile(device_class, space, pcs, white, tags):
    """The profile's bytes: a v2 header (D50 illuminant `white`) and `tags` [(signature, body)],
    bodies padded to 4 bytes and stored once when two tags share one."""
    table = struct.pack('>I', len(tags))
    data = b''
    offset = 128 + 4 + 12 * len(tags)
    shared = {}
    for sig, body in tags:
        while len(body) % 4: body += b'\0'
        if body in shared:
            table += struct.pack('>4sII', sig, *shared[body]); continue
        shared[body] = (offset + len(data), len(body))
        table += struct.pack('>4sII', sig, offset + len(data), len(body))
        data += body
    size = 128 + len(table) + len(data)
    header = struct.pack('>I4sI4s4s4s', size, b'none', 0x02100000, device_class, space, pcs) + b'\0' * 12 + b'acsp' + b'\0' * 4 + b'\0' * 4 + b'\0' * 8 + b'\0' * 8 + struct.pack('>I', 0) + b''.join(s15(v) for v in white) + b'\0' * 4 + b'\0' * 16 + b'\0' * 28
    assert len(header) == 128, len(header)
    return header + table + data
