// `npm run sensors:demo [-- --seconds N]`: the simulated spime's sensors in real time — SCD41 and
// BMP280 on a simulated I2C bus, a GNSS receiver on a simulated 9600-baud UART walking from the
// Duomo — printing one OpenSpime entry per second, and the faults it injects and survives.
import { entryFields } from '../../../src/sensors/reading.js';
import { boards } from '../../../boards/index.js';
import { simulatedSpime } from '../../sim/sensors/spime.js';
import { nodeClock } from './clock.js';

export async function runSensorsDemo({ seconds = 10, seed = 42, board: platform = 'esp32', log = console.log } = {}): Promise<number> {
  const board = boards[platform];
  if (!board) throw new RangeError(`unknown board ${platform}; known: ${Object.keys(boards).join(', ')}`);
  const t0 = nodeClock.now();
  const spime = simulatedSpime({ clock: nodeClock, board, seed, epoch: Date.now() - t0, outages: [[t0 + 6_000, t0 + 9_000]], retry: { initial: 1000, max: 8000 } });
  const { scd4x, bmp280 } = board.sensors;
  log(`sensors demo on ${board.name} (${board.platform}): ${scd4x?.variant} @0x${scd4x?.address.toString(16)} + ${bmp280?.chip} @0x${bmp280?.address.toString(16)} on a simulated I2C bus (SDA ${board.i2c.data}, SCL ${board.i2c.clock}), ${board.gps?.module} on a simulated UART${board.gps?.port} (${board.gps?.baud} baud); ${seconds} s, seed ${seed}`);
  log('faults scheduled: GPS fix lost 6–9 s (Galleria roof), one corrupted SCD4x CRC at 7 s, a corrupted NMEA epoch at 3 s');
  await spime.start();
  let lines = 0;
  const faultsSeen = new Set<string>();
  for (let s = 1; s <= seconds; s++) {
    await nodeClock.delay(t0 + s * 1000 - nodeClock.now());
    if (s === 3) spime.chips.gnss.faults.corruptSentences = 5;
    if (s === 7) spime.chips.co2!.faults.corruptReads = 1;
    const entry = spime.manager.entry(spime.time());
    const fields = entryFields(entry).map(([name, text, unit]) => `${name}=${text}${unit ? ` ${unit}` : ''}`).join('  ');
    const status = ['gps', 'barometer', 'co2'].map((name) => {
      const st = spime.manager.status(name)!;
      if (st.fault) faultsSeen.add(`${name}: ${'condition' in st.fault ? (st.fault as { condition: string }).condition : st.fault.message}`);
      return `${name}:${st.state}${st.fault && 'condition' in st.fault ? `(${(st.fault as { condition: string }).condition})` : ''}`;
    }).join(' ');
    log(`[${String(s).padStart(3)} s] ${fields}   | ${status}`);
    lines++;
  }
  await spime.stop();
  const stats = spime.drivers.gps!.statistics;
  log(`done: ${lines} readings; NMEA ${stats.sentences} sentences, ${stats.checksumErrors} bad checksums; faults reported: ${[...faultsSeen].join(', ') || 'none'}`);
  return lines;
}
