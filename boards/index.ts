// Every board, by Moddable platform identifier, for the host simulation (`--board esp32/esp32s3`).
// The device build does not import this: its manifest picks one board.
import type { Board } from '../src/sensors/board.js';
import esp32 from './esp32/board.js';
import esp32s3 from './esp32s3/board.js';

export const boards: Readonly<Record<string, Board>> = Object.freeze({ [esp32.platform]: esp32, [esp32s3.platform]: esp32s3 });
export const defaultBoard = esp32;
