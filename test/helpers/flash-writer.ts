// A spime that only samples into a file-backed flash (offline: its reports never get an answer),
// printing "taken PPM" for each reading whose append returned. The kill -9 test runs it in a
// child process (bundled by esbuild) and kills it mid-run. Arguments: FILE START
import { nodeClock } from '../../hosts/node/clock.js';
import { FileFlash } from '../../hosts/node/flash.js';
import { SpimeApp } from '../../src/spime/app.js';
import { FlashLog } from '../../src/storage/log.js';

const [path, start] = process.argv.slice(2);
let ppm = Number(start);
const app = new SpimeApp({
  log: new FlashLog(new FileFlash(path)), timers: nodeClock, samplePeriodMs: 5,
  sender: { send: () => new Promise<void>(() => {}) },
  read: () => ({ ppm: ppm++, temperature: 20 }),
});
const take = app.takeReading.bind(app);
app.takeReading = () => {
  const value = ppm;
  const seq = take();
  if (seq !== undefined) process.stdout.write(`taken ${value}\n`);
  return seq;
};
app.start();
