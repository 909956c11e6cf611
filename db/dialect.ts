/** The two dialects of the one PostgreSQL store: TimescaleDB features where the extension is present. */
export type Dialect = 'postgres' | 'timescaledb';
