/**
 * The registers of an ESP32 that flashing clients read and write through
 * READ_REG / WRITE_REG: the chip-detect magic word, the eFuse words that hold
 * the MAC, chip revision and package, the UART clock divider (crystal
 * frequency), and the SPI controller's user-command registers, which clients
 * drive to run SPI flash commands such as RDID (flash ID, hence flash size).
 * Addresses and bit fields are those Espressif's clients use for the ESP32.
 */

export const CHIP_DETECT_MAGIC_REG = 0x40001000;
/** ESP32's value at CHIP_DETECT_MAGIC_REG (esptool's ESP32ROM.CHIP_DETECT_MAGIC_VALUE). */
export const ESP32_CHIP_MAGIC = 0x00f01d83;
export const UART_DATE_REG = 0x60000078;
export const UART_CLKDIV_REG = 0x3ff40014;
export const EFUSE_BASE = 0x3ff5a000;
export const APB_CTL_DATE_REG = 0x3ff66000 + 0x7c;
export const RTCCALICFG1_REG = 0x3ff5f06c;

export const SPI_BASE = 0x3ff42000;
export const SPI_CMD_REG = SPI_BASE + 0x00;
export const SPI_USR2_REG = SPI_BASE + 0x24;
export const SPI_W0_REG = SPI_BASE + 0x80;
/** SPI_CMD_REG bit that starts a user command; the hardware clears it when done. */
export const SPI_CMD_USR = 1 << 18;

export const SPIFLASH_RDID = 0x9f;

export interface ChipIdentity {
  /** Six bytes. */
  mac: readonly number[];
  /** SPI flash JEDEC manufacturer (0xEF: Winbond). */
  flashManufacturer: number;
  /** SPI flash device ID; its low byte is log2 of the size (0x4016: 4 MB). */
  flashDevice: number;
}

/** eFuse words 0..6 for an ESP32-D0WD-V3 (revision v3.0), dual core, with `mac`. */
function efuseWords(mac: readonly number[]): number[] {
  const words = new Array<number>(7).fill(0);
  // read_mac: bytes 2..7 of big-endian (word2, word1); word2's top half is the CRC.
  words[1] = ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0;
  words[2] = (mac[0] << 8) | mac[1];
  // Word 3: package version in bits 9..11 (1: D0WD), chip revision bit 0 in bit 15.
  words[3] = (1 << 9) | (1 << 15);
  // Word 4: the 8 MHz clock calibration the ROM's crystal estimate uses.
  words[4] = 0x51;
  // Word 5: chip revision bit 1 in bit 20; minor revision (bits 24..25) 0.
  words[5] = 1 << 20;
  return words;
}

export class Esp32Registers {
  private readonly values = new Map<number, number>();

  constructor(private readonly identity: ChipIdentity) {
    this.values.set(CHIP_DETECT_MAGIC_REG, ESP32_CHIP_MAGIC);
    this.values.set(UART_DATE_REG, 0x15122500);
    // 40 MHz APB / 115200 baud: clients derive a 40 MHz crystal from it.
    this.values.set(UART_CLKDIV_REG, 347);
    // Bit 31: the third chip revision bit (revision v3).
    this.values.set(APB_CTL_DATE_REG, 0x80000000 | 0x16042000);
    // ROM's calibration value (bits 7..31): with eFuse word 4 it estimates 40 MHz.
    this.values.set(RTCCALICFG1_REG, 1264 << 7);
    efuseWords(identity.mac).forEach((word, n) => this.values.set(EFUSE_BASE + 4 * n, word >>> 0));
  }

  read(address: number): number {
    return this.values.get(address >>> 0) ?? 0;
  }

  write(address: number, value: number, mask = 0xffffffff): void {
    const old = this.read(address);
    const updated = ((old & ~mask) | (value & mask)) >>> 0;
    this.values.set(address >>> 0, updated);
    if (address === SPI_CMD_REG && updated & SPI_CMD_USR) this.runSpiCommand();
  }

  /** The 24-bit answer to RDID as clients read it from W0: manufacturer, then device ID high, low. */
  flashIdWord(): number {
    const { flashManufacturer, flashDevice } = this.identity;
    return (flashManufacturer | (((flashDevice >> 8) & 0xff) << 8) | ((flashDevice & 0xff) << 16)) >>> 0;
  }

  /** A user SPI command: the command byte is in USR2's low bits, the answer goes to W0. */
  private runSpiCommand(): void {
    const command = this.read(SPI_USR2_REG) & 0xff;
    // RDID answers the JEDEC ID; status reads, SFDP and the rest read as 0 here.
    this.values.set(SPI_W0_REG, command === SPIFLASH_RDID ? this.flashIdWord() : 0);
    this.values.set(SPI_CMD_REG, (this.read(SPI_CMD_REG) & ~SPI_CMD_USR) >>> 0);
  }
}
