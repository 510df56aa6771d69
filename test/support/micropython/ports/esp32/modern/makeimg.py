# Fixture: combines bootloader, partition table and application into
# firmware.bin, written at the bootloader offset, as the ESP32 port does after
# idf.py. Offsets come from the build's sdkconfig when there is one, and the
# application's offset from the first app entry of the partition table.
import os
import struct
import sys

OFFSET_PARTITIONS_DEFAULT = 0x8000
OFFSET_APPLICATION_DEFAULT = 0x10000


def sdkconfig_value(path, name, default):
    """A value from the build's sdkconfig, else from its config/sdkconfig.h."""
    if os.path.exists(path):
        prefix = "CONFIG_" + name + "="
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line[len(prefix):].strip().strip('"')
        return default
    header = os.path.join(os.path.dirname(path), "config", "sdkconfig.h")
    if os.path.exists(header):
        prefix = "#define CONFIG_" + name + " "
        with open(header) as f:
            for line in f:
                if line.startswith(prefix):
                    return line[len(prefix):].strip().strip('"')
    return default


def first_app_offset(path):
    with open(path, "rb") as f:
        table = f.read()
    for start in range(0, len(table) - 31, 32):
        magic, ptype, _sub, offset, _size = struct.unpack_from("<2sBBLL", table, start)
        if magic != b"\xaa\x50":
            break
        if ptype == 0x00:
            return offset
    return OFFSET_APPLICATION_DEFAULT


sdkconfig, bootloader, partitions, application, output, uf2 = sys.argv[1:7]
target = sdkconfig_value(sdkconfig, "IDF_TARGET", "esp32").lower()
# Where the ROM looks for the bootloader differs between chips.
default_boot = {"esp32": 0x1000, "esp32s2": 0x1000, "esp32p4": 0x2000, "esp32c5": 0x2000}.get(target, 0x0)
offset_bootloader = int(sdkconfig_value(sdkconfig, "BOOTLOADER_OFFSET_IN_FLASH", hex(default_boot)), 16)
offset_partitions = int(sdkconfig_value(sdkconfig, "PARTITION_TABLE_OFFSET", hex(OFFSET_PARTITIONS_DEFAULT)), 16)
offset_application = first_app_offset(partitions)

position = offset_bootloader
with open(output, "wb") as out:
    for name, offset, path in (
        ("bootloader", offset_bootloader, bootloader),
        ("partitions", offset_partitions, partitions),
        ("application", offset_application, application),
    ):
        if offset < position:
            sys.exit("ERROR: %s overflows into the region at 0x%06x" % (name, offset))
        out.write(b"\xff" * (offset - position))
        with open(path, "rb") as f:
            data = f.read()
        out.write(data)
        position = offset + len(data)
        print("%-12s@0x%06x % 8d" % (name, offset, len(data)))
print("%-22s% 8d" % ("total", position))
