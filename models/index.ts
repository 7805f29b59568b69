/** Every Mongoose model of Harbour. The application talks to MongoDB only through these. */
export * from './user';
export * from './group';
export * from './membership';
export * from './invitation';
export * from './join-request';
export * from './document-version';
export * from './consent';
export * from './post';
export * from './reaction';
export * from './audit-event';
export * from './notification';
export * from './one-time-token';
export * from './outbox-email';
export * from './report';
export * from './appeal';
export * from './handbook';
export * from './journal-note';
