/** The fuzz targets, by name, in the order `--target all` runs them. */
import { cryptoTarget } from './crypto.js';
import { framingTarget } from './framing.js';
import { hostileTarget } from './hostile-target.js';
import { kexTarget } from './kex.js';
import { serverTarget } from './server.js';
import { sessionTarget } from './session.js';
import type { FuzzTarget, TargetName } from './types.js';

export const TARGETS: Readonly<Record<TargetName, FuzzTarget>> = {
  framing: framingTarget,
  kex: kexTarget,
  crypto: cryptoTarget,
  session: sessionTarget,
  server: serverTarget,
  hostile: hostileTarget,
};
