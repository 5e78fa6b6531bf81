// Altitude from pressure with the international barometric formula (ICAO standard atmosphere,
// as in BMP180/BMP280 application notes): h = 44330 · (1 − (p/p0)^(1/5.255)). The sea-level
// reference p0 drifts with the weather, so it is set from a known elevation (a GPS fix, a
// surveyed point) by inverting the same formula.

export const STANDARD_SEA_LEVEL_PA = 101325;

export function altitudeFromPressure(pressure: number, seaLevelPressure = STANDARD_SEA_LEVEL_PA): number {
  return 44330 * (1 - Math.pow(pressure / seaLevelPressure, 1 / 5.255));
}

/** The sea-level pressure that makes `pressure` read as `elevation` metres. */
export function seaLevelPressureFor(pressure: number, elevation: number): number {
  return pressure / Math.pow(1 - elevation / 44330, 5.255);
}

/** The pressure at `elevation` for a sea-level reference (inverse of altitudeFromPressure). */
export function pressureAtAltitude(elevation: number, seaLevelPressure = STANDARD_SEA_LEVEL_PA): number {
  return seaLevelPressure * Math.pow(1 - elevation / 44330, 5.255);
}
