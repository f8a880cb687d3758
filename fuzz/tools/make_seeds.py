#!/usr/bin/env python3
"""Writes the binary seed inputs of fuzz_ws_frames and fuzz_abi into fuzz/corpus/ (the other
corpora are plain files: workflows, expressions, configuration files, HTTP requests).
Run from anywhere: python3 fuzz/tools/make_seeds.py"""
import json
import os
import struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'corpus')


def write(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), 'wb') as f:
        f.write(data)


# ---- fuzz_ws_frames: mode byte 0 = JSON messages one per line, 1 = raw client frames ----
messages = [
    {"action": "subscribe", "topics": ["chainbot.workflow.*", "chainbot.execution.e1.*"]},
    {"action": "unsubscribe", "topics": ["chainbot.workflow.*"]},
    {"action": "ping"},
    {"action": "subscribe", "topics": ["chainbot.agent.?", "*"]},
    {"action": "subscribe", "topics": ["has space"]},
    {"action": "dance"},
    {"topics": []},
    {"action": "subscribe", "topics": "chainbot.*"},
    {"action": "subscribe", "topics": ["t%d" % i for i in range(65)]},
]
write('fuzz_ws_frames', 'messages', b'\x00' + b'\n'.join(json.dumps(m).encode() for m in messages) + b'\nnot json\n[1]\n')
write('fuzz_ws_frames', 'many-topics', b'\x00' + b'\n'.join(
    json.dumps({"action": "subscribe", "topics": ["chainbot.t%d.*" % (i * 10 + j) for j in range(10)]}).encode() for i in range(7)))


def frame(payload, opcode=0x1, fin=True, mask=True, key=b'\x12\x34\x56\x78'):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack('>H', n)
    else:
        head += bytes([m | 127]) + struct.pack('>Q', n)
    if not mask:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


sub = json.dumps(messages[0]).encode()
write('fuzz_ws_frames', 'frames-subscribe', b'\x01' + frame(sub) + frame(b'{"action": "ping"}') + frame(b'', opcode=0x9)
      + frame(struct.pack('>H', 1000) + b'bye', opcode=0x8))
write('fuzz_ws_frames', 'frames-fragmented', b'\x01' + frame(sub[:10], fin=False) + frame(b'', opcode=0x9) +
      frame(sub[10:20], opcode=0x0, fin=False) + frame(sub[20:], opcode=0x0))
write('fuzz_ws_frames', 'frames-binary', b'\x01' + frame(b'\x00\x01\x02', opcode=0x2) + frame(b'{"action": "ping"}'))
write('fuzz_ws_frames', 'frames-unmasked', b'\x01' + frame(b'{"action": "ping"}', mask=False))
write('fuzz_ws_frames', 'frames-long', b'\x01' + frame(json.dumps({"action": "subscribe", "topics": ["x" * 300]}).encode()))
write('fuzz_ws_frames', 'frames-too-big', b'\x01' + b'\x81\xff' + struct.pack('>Q', 1 << 20) + b'\x00\x00\x00\x00' + b'a' * 32)
write('fuzz_ws_frames', 'frames-bad-utf8', b'\x01' + frame(b'{"action": "\xc3\x28"}') + frame(b'\x03\xe8\xff', opcode=0x8))

# ---- fuzz_abi: choices in the order fuzz_abi.cpp reads them --------------------------------
# create: flag(version current), pick(size), pick16(null api), pick16(null module), pick8(null error), pick10(error size)
create_ok = bytes([1, 0, 1, 1, 1, 8])
# op 0 initialize: flag(services) [services: size choice, present u16, flag(current version)] config: pick5 (0 confined), slot
init_confined = bytes([0, 1, 0, 0xff, 0xff, 1, 0, 0])
init_no_services = bytes([0, 0, 1, 1])
init_fuzzed = bytes([1, 0, 2, 0, 2, 0, 0, 0xff, 0xff, 0xff, 0x7f, 20, 3, 1])
init_refused = bytes([0, 0, 3, 5]) + b'"str"'
init_null = bytes([0, 0, 4, 1])
start, stop = bytes([2]), bytes([3])
inspect = bytes([4, 1, 1])
command = lambda i: bytes([5, 1, i, 1])
destroy = bytes([8, 1])
write('fuzz_abi', 'lifecycle', create_ok + init_confined + start + inspect + command(0) + stop + command(1) + inspect + destroy)
write('fuzz_abi', 'out-of-order', create_ok + start + stop + command(0) + inspect + init_no_services + start + start +
      init_confined + stop + stop + destroy)
write('fuzz_abi', 'configs', create_ok + init_fuzzed + inspect + init_refused + init_null + inspect + command(0) + bytes([6, 3, 1]))
write('fuzz_abi', 'abi-1.0-host', bytes([0, 1, 1, 1, 1, 1, 4]) + init_no_services + command(0) + inspect)
write('fuzz_abi', 'wrong-major', bytes([0, 4, 0, 1, 1, 1, 3]))
write('fuzz_abi', 'short-table', bytes([1, 3, 1, 1, 1, 0]))
write('fuzz_abi', 'null-pointers', bytes([1, 0, 0, 1, 1, 5]))
write('fuzz_abi', 'null-handle', create_ok + bytes([6, 0, 6, 1, 6, 2, 6, 3, 1, 6, 4, 6, 5, 1, 6, 6, 1, 1]))
write('fuzz_abi', 'services-versions', create_ok + bytes([0, 1, 0, 0xff, 0xff, 0, 4, 0, 0]) + bytes([0, 1, 1, 0xff, 0xff, 1, 0, 1]) + inspect)
write('fuzz_abi', 'commands', create_ok + init_confined + command(2) + command(3) + command(4) + command(5) + command(6) +
      command(7) + command(8) + bytes([5, 0, 0, 1]) + bytes([5, 1, 0, 0]))
