// The device's main module (manifest `"main": "./hosts/moddable/main"`): start the sensors of
// the board the manifest picked and trace one OpenSpime data entry every 5 s to the console
// (xsbug / serial). The XMPP session is not wired yet.
import { entryFields } from 'spimekit/sensors/reading';
import { startSensors } from 'spimekit/host/sensors/start';
import Timer from 'timer';

const suite = await startSensors();
trace(`spimekit: sensors started on ${suite.drivers.gps ? 'GPS ' : ''}${suite.drivers.barometer ? 'barometer ' : ''}${suite.drivers.co2 ? 'CO2' : ''}\n`);

Timer.repeat(() => {
  const entry = suite.manager.entry(suite.gpsTime() ?? Date.now());
  trace(entryFields(entry).map(([name, text, unit]) => `${name}=${text}${unit ? ` ${unit}` : ''}`).join('  ') + '\n');
}, 5000);
