/** The sans-IO client: one session per connection, presence, rooms, trust and profile sniffing. */
export * from './client-session.js';
export * from './events.js';
export * from './pending-requests.js';
export * from './presence.js';
export * from './profile-sniffer.js';
export * from './room-book.js';
export * from './room-reader.js';
export * from './server-refusal.js';
export * from './trust.js';
