/**
 * The reference server's TCP adapter: a loop around the sans-IO ChatServer (src/chat).
 *
 * How this works: each accepted socket gets a connection id; socket events become calls of the chat
 * server with `Date.now()`, and the actions it returns are applied to sockets (write, close) or the
 * log. A single timer follows its next deadline (handshake and idle timeouts, pings, slow readers).
 * What the sans-IO server cannot see is reported to it: when a socket has taken what was written
 * to it (`drained`: at once when the write stayed under the socket's mark, else on its 'drain'
 * event), so that output waits in the server, within its limits, until a socket can take it
 * (spec 11, sendWindowBytes). Writes happen once per event-loop turn, so that a turn's output to
 * one client is one write.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { ChatServer, ConnId, ServerAction } from '../src/chat/chat-server.js';
import { createLegacyServer } from '../src/chat/legacy-dialect.js';
import { createRoomGuards, type GuardsConfig } from '../src/chat/room-guards.js';
import { checkV2Limits, createV2Server } from '../src/chat/v2-dialect.js';
import type { Identity } from '../src/crypto/identity.js';
import { KeyAgreement } from '../src/crypto/key-agreement.js';
import {
  LEGACY_NAME_RULES,
  LIMITS,
  type Limits,
  type Profile,
  V2_GROUPS,
  V2_NAME_RULES,
} from '../src/generated/constants.js';
import { serverFastPaths } from '../src/session/fast-paths.js';
import { startMemoryTuning } from './idle-gc.js';
import { KeyPairPool } from './key-pool.js';
import { createLogger, type Logger } from './logger.js';
import { writeStateFile } from './state-file.js';
import { STATE_SAVE_INTERVAL_MS, StateSaver } from './state-saver.js';

export interface ServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly profile?: Profile;
  /** Required for v2. */
  readonly identity?: Identity;
  readonly limits?: Partial<Limits>;
  readonly motd?: string;
  /** v2 features to offer (5.8); default: every feature of the spec. */
  readonly features?: readonly string[];
  /** Reserved names (7.17) and moderation (7.18), with the state loaded from their files. */
  readonly guards?: GuardsConfig;
  /** Where the state of `guards` is written when it changes (7.17, 7.18). */
  readonly stateFiles?: { readonly reservations?: string; readonly bans?: string };
  /**
   * The state files are written at most once per this many ms, and at a clean shutdown
   * (state-saver.ts); default STATE_SAVE_INTERVAL_MS.
   */
  readonly stateSaveMs?: number;
  readonly logger?: Logger;
  /**
   * Tune V8's memory for a long-running server (idle-gc.ts, startMemoryTuning): settings of the
   * whole process, for `node reference-server`, not for a server embedded in other code.
   */
  readonly tuneMemory?: boolean;
  /**
   * The core's speed shortcuts (src/session/fast-paths.ts); default true. False runs the plain
   * path, which gives the same bytes: for tests, and to compare the two.
   */
  readonly fastPaths?: boolean;
  /**
   * The server's key agreement (src/crypto/key-agreement.ts); default: one of its own. Making one
   * costs about 250 ms on Node 24, so a test that starts many servers passes one it keeps.
   */
  readonly keyAgreement?: KeyAgreement;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  readonly profile: Profile;
  readonly fingerprint: string | null;
  /** The sans-IO server this adapter drives. */
  readonly chat: ChatServer<unknown>;
  /** Says goodbye to every client (v2), closes all connections and the listener, clears history. */
  close(): Promise<void>;
}

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

export function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const profile = options.profile ?? 'v2';
  const logger = options.logger ?? createLogger('info');
  const limits: Limits = { ...LIMITS, ...options.limits };
  const tuning = options.tuneMemory ? startMemoryTuning() : null;
  let chat: ChatServer<unknown>;
  let keyPool: KeyPairPool | null = null;
  const guards = createRoomGuards(
    options.guards ?? {},
    profile === 'v2' ? V2_NAME_RULES : LEGACY_NAME_RULES,
    limits,
    randomBytes,
  );
  if (profile === 'v2') {
    if (!options.identity) throw new Error('a v2 server needs an identity');
    // Before the key pool's worker starts: a refused start leaves nothing running.
    checkV2Limits(limits, options.features, options.motd);
    // Prepared before listening (key-agreement.ts says why); the pool's pairs carry it.
    const agreement = (options.keyAgreement ?? new KeyAgreement()).prepare(V2_GROUPS);
    keyPool = new KeyPairPool(V2_GROUPS, {
      agreement,
      ...(tuning ? { onWorkerOnline: tuning.onWorkerOnline } : {}),
    });
    chat = createV2Server({
      identity: options.identity,
      random: randomBytes,
      keyPairs: keyPool.take,
      unusedKeyPair: keyPool.giveBack,
      fastPaths: options.fastPaths === false ? undefined : serverFastPaths(process.versions.node),
      limits,
      motd: options.motd,
      features: options.features,
      guards,
      deferWrites: true,
      flowControl: true,
    }) as never;
  } else {
    chat = createLegacyServer({
      random: randomBytes,
      guards,
      keyAgreement: (options.keyAgreement ?? new KeyAgreement()).prepare(['modp14']), // before listening, as for v2
      limits,
      deferWrites: true,
      flowControl: true,
    }) as never;
  }

  const sockets = new Map<ConnId, Socket>();
  let nextId = 1;
  let timer: NodeJS.Timeout | null = null;
  let timerAt: number | null = null;
  let flushQueued = false;

  // Writes are corked for one event-loop turn: everything queued for a connection while this
  // turn's socket events are handled goes out as one record and one write (see ChatServerOptions.deferWrites).
  const flushSoon = () => {
    if (flushQueued || !chat.hasPendingWrites) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      // Pulled: each record is written as soon as it is sealed (see flushing).
      apply(chat.flushing());
    });
  };

  const schedule = () => {
    const due = chat.nextDeadline;
    if (due === null || (timerAt !== null && timerAt <= due)) return;
    if (timer) clearTimeout(timer);
    timerAt = due;
    timer = setTimeout(
      () => {
        timer = null;
        timerAt = null;
        try {
          apply(chat.tick(Date.now()));
        } catch (err) {
          logger.log('error', `INTERNAL_ERROR in the timer: ${(err as Error).message}`);
        }
      },
      Math.max(0, due - Date.now()) + 1,
    );
    timer.unref();
  };

  const closeSocket = (socket: Socket) => {
    socket.end();
    const force = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    force.unref();
    socket.once('close', () => clearTimeout(force));
  };

  /** Carries out actions in the order they come, then what follows from them. */
  const apply = (actions: Iterable<ServerAction>) => {
    const took: ConnId[] = [];
    for (const action of actions) {
      if (action.kind === 'log') {
        logger.log(action.level, action.message);
        continue;
      }
      const socket = sockets.get(action.id);
      if (!socket) continue;
      if (action.kind === 'write') {
        // Under the socket's mark it has taken the bytes; otherwise its 'drain' event says so.
        if (!socket.destroyed && socket.write(action.data)) took.push(action.id);
      } else {
        sockets.delete(action.id);
        closeSocket(socket);
      }
    }
    if (took.length > 0) apply(chat.drained(took, Date.now()));
    saver.touched();
    schedule();
    flushSoon();
  };

  /**
   * Writes the state the core says changed (7.17, 7.18), at most once per stateSaveMs and at
   * shutdown (state-saver.ts); a failed write is logged, the server goes on.
   */
  const saver = new StateSaver({
    take: () => chat.takeSaves(),
    write: (save) => {
      const path = options.stateFiles?.[save.what];
      if (path) writeStateFile(path, save.data);
    },
    failed: (save, err) =>
      logger.log(
        'error',
        `cannot write the ${save.what} file ${options.stateFiles?.[save.what]}: ${err.message}`,
      ),
    intervalMs: options.stateSaveMs ?? STATE_SAVE_INTERVAL_MS,
    setTimer: (run, ms) => setTimeout(run, ms).unref(),
    clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
  });

  /**
   * Runs one socket event's handling. The chat server already contains a failure to its connection; this
   * is the last line: whatever throws here ends that one connection, never the process.
   */
  const guarded = (id: ConnId, what: string, handle: () => void) => {
    try {
      handle();
    } catch (err) {
      failed(id, what, err);
    }
  };

  /** Ends connection `id` after its handling of `what` threw. */
  const failed = (id: ConnId, what: string, err: unknown) => {
    logger.log('error', `conn ${id}: INTERNAL_ERROR while handling ${what}: ${(err as Error).message}`);
    const socket = sockets.get(id);
    sockets.delete(id);
    socket?.destroy();
    try {
      apply(chat.fail(id, 'INTERNAL_ERROR', `internal error while handling ${what}`, Date.now()));
    } catch (again) {
      logger.log('error', `conn ${id}: INTERNAL_ERROR while failing it: ${(again as Error).message}`);
    }
  };

  const onConnection = (socket: Socket) => {
    const id = nextId++;
    sockets.set(id, socket);
    socket.setNoDelay(true);
    // The hottest handler (every read): guarded inline rather than through a closure per read.
    socket.on('data', (chunk: Buffer) => {
      try {
        apply(chat.data(id, chunk, Date.now()));
      } catch (err) {
        failed(id, 'data', err);
      }
    });
    socket.on('drain', () => guarded(id, 'drain', () => apply(chat.drained([id], Date.now()))));
    socket.on('end', () => guarded(id, 'end', () => apply(chat.end(id, Date.now()))));
    socket.on('error', (err) => {
      logger.log('debug', `conn ${id}: socket error: ${err.message}`);
      if (sockets.has(id)) {
        guarded(id, 'a socket error', () => apply(chat.fail(id, 'CONNECTION_LOST', err.message, Date.now())));
      }
    });
    socket.on('close', () => {
      if (sockets.has(id)) guarded(id, 'close', () => apply(chat.end(id, Date.now())));
      sockets.delete(id);
    });
    // The remote address goes in for the per-address limits (11), decided in the core.
    guarded(id, 'open', () => apply(chat.open(id, Date.now(), socket.remoteAddress)));
  };

  const server: Server = createServer({ noDelay: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      server.on('error', (err) => logger.log('error', `listener: ${err.message}`));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
      let closing: Promise<void> | null = null;
      resolve({
        host: options.host ?? '0.0.0.0',
        port,
        profile,
        fingerprint: options.identity && profile === 'v2' ? options.identity.fingerprint : null,
        chat,
        close() {
          closing ??= new Promise<void>((done) => {
            apply(chat.shutdown(Date.now()));
            if (timer) clearTimeout(timer);
            keyPool?.close();
            tuning?.stop();
            // Once every connection has ended (their leaves set the names' last use), the last state.
            server.close(() => {
              saver.flush();
              done();
            });
            for (const socket of sockets.values()) closeSocket(socket);
          });
          return closing;
        },
      });
    });
  });
}
