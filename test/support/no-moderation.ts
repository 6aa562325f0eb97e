/**
 * Every v2 feature but `moderation`, for servers with a small maxFrame: a server offering
 * moderation needs one record to hold a join_ok with a motd of 512 characters (11.1, 7.18), 2498
 * bytes with maxName 24, so with maxFrame 1024 it refuses to start.
 */
import { V2_FEATURE_NAMES } from '../../src/generated/v2-packets.js';

export const WITHOUT_MODERATION: readonly string[] = V2_FEATURE_NAMES.filter((f) => f !== 'moderation');
