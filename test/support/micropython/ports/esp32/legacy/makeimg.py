# Fixture: joins bootloader, partition table and application into one image
# written at 0x1000, the layout of the legacy ESP32 port.
import sys

OFFSET_BOOTLOADER = 0x1000
OFFSET_PARTITIONS = 0x8000
OFFSET_APPLICATION = 0x10000

parts = [
    ("bootloader", OFFSET_BOOTLOADER, sys.argv[1]),
    ("partitions", OFFSET_PARTITIONS, sys.argv[2]),
    ("application", OFFSET_APPLICATION, sys.argv[3]),
]

position = OFFSET_BOOTLOADER
with open(sys.argv[4], "wb") as out:
    for name, offset, path in parts:
        if offset < position:
            sys.exit("%s overflows into the next region" % name)
        out.write(b"\xff" * (offset - position))
        with open(path, "rb") as f:
            data = f.read()
        out.write(data)
        position = offset + len(data)
        print("%-12s% 8d" % (name, len(data)))
print("%-12s% 8d" % ("total", position))
