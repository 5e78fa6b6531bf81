// A walking track: a closed polyline of waypoints followed at constant speed. The default is a
// loop through central Milan from Piazza del Duomo (45.4643 N, 9.1895 E, the OpenSpime example's
// location) through the Galleria to La Scala, Castello Sforzesco and back by Cordusio.

export interface Position { latitude: number; longitude: number; elevation: number; speed: number; course: number }
export interface Track { at(t: number): Position }

const M_PER_DEG_LAT = 110_540, M_PER_DEG_LON_EQ = 111_320;

export const MILAN_WALK: readonly (readonly [number, number, number])[] = Object.freeze([
  [45.4643, 9.1895, 122], // Piazza del Duomo
  [45.4656, 9.19, 121], // Galleria Vittorio Emanuele II
  [45.4674, 9.1895, 121], // Piazza della Scala
  [45.4665, 9.1864, 123], // Cordusio
  [45.4705, 9.1794, 125], // Castello Sforzesco
  [45.4675, 9.182, 124], // Via Dante
  [45.4653, 9.1866, 122], // Cordusio, south side
]);

export class PolylineTrack implements Track {
  #points: readonly (readonly [number, number, number])[];
  #lengths: number[] = [];
  #total = 0;
  #speed: number;

  /** `speed` in m/s (1.4: walking). */
  constructor(points = MILAN_WALK, speed = 1.4) {
    if (points.length < 2) throw new RangeError('track: at least two points');
    this.#points = points;
    this.#speed = speed;
    for (let i = 0; i < points.length; i++) {
      const [dx, dy] = this.#delta(i);
      const length = Math.hypot(dx, dy);
      this.#lengths.push(length);
      this.#total += length;
    }
  }

  get length(): number { return this.#total; }

  /** Position `t` ms after the start. */
  at(t: number): Position {
    let d = ((t / 1000) * this.#speed) % this.#total;
    let i = 0;
    while (d > this.#lengths[i]) d -= this.#lengths[i++];
    const [lat, lon, ele] = this.#points[i];
    const [lat2, lon2, ele2] = this.#points[(i + 1) % this.#points.length];
    const f = this.#lengths[i] ? d / this.#lengths[i] : 0;
    const [dx, dy] = this.#delta(i);
    const course = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
    return { latitude: lat + (lat2 - lat) * f, longitude: lon + (lon2 - lon) * f, elevation: ele + (ele2 - ele) * f, speed: this.#speed, course };
  }

  /** Metres east and north from point i to the next. */
  #delta(i: number): [number, number] {
    const [lat, lon] = this.#points[i];
    const [lat2, lon2] = this.#points[(i + 1) % this.#points.length];
    return [(lon2 - lon) * M_PER_DEG_LON_EQ * Math.cos((lat * Math.PI) / 180), (lat2 - lat) * M_PER_DEG_LAT];
  }
}

/** Standing still somewhere (e.g. southern/western hemisphere tests). */
export class FixedPosition implements Track {
  #p: Position;
  constructor(latitude: number, longitude: number, elevation = 0) { this.#p = { latitude, longitude, elevation, speed: 0, course: 0 }; }
  at(): Position { return this.#p; }
}
