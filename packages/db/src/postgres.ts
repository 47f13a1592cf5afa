import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { closingAdapterFactory, type Driver, type DriverOptions, once } from "./driver.ts";
import { type DatabaseTarget, describeTarget } from "./target.ts";

/** PostgreSQL through a `pg` pool, shared by Prisma's adapter and the migration runner. */
export async function openPostgres(
  target: Extract<DatabaseTarget, { engine: "postgres" }>,
  options: DriverOptions,
): Promise<Driver> {
  const description = describeTarget(target);
  const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const close = once(async () => {
    if (!pool.ended) await pool.end();
  });
  try {
    (await pool.connect()).release();
  } catch (error) {
    await close();
    throw new Error(`Could not connect to ${description}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  return {
    target,
    description,
    adapterFactory: closingAdapterFactory(new PrismaPg(pool), {
      description,
      isClosed: () => pool.ended,
      close,
    }),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          exec: async (sql) => {
            await client.query(sql);
          },
          query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
            (await client.query<Row & pg.QueryResultRow>(sql, params as unknown[] | undefined))
              .rows,
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close,
  };
}

function errorMessage(error: unknown): string {
  // `pg` reports a refused connection to several addresses (IPv4 and IPv6) as an AggregateError.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(errorMessage).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}
