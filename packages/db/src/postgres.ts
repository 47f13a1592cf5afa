import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import {
  closingAdapterFactory,
  type Driver,
  type DriverOptions,
  type ListenHandlers,
  once,
  type Subscription,
} from "./driver.ts";
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
  const subscriptions = new Set<Subscription>();
  const close = once(async () => {
    await Promise.all([...subscriptions].map((subscription) => subscription.close()));
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
    async listen(channel, handlers) {
      const subscription = await listenPostgres(target.url, channel, handlers, () =>
        subscriptions.delete(subscription),
      );
      subscriptions.add(subscription);
      return subscription;
    },
    close,
  };
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries). When it breaks,
 * it is opened again after 1, 2, 4 ... 10 s, and `onResync` says notifications may have been lost.
 */
async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
  onClosed: () => void,
): Promise<Subscription> {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? "");
    });
    const broken = (error: unknown) => {
      if (closed || client !== next) return;
      client = undefined;
      handlers.onError?.(error);
      void next.end().catch(() => {});
      retry();
    };
    next.on("error", broken);
    next.on("end", () => broken(new Error("the LISTEN connection ended")));
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
    failures = 0;
  };
  const retry = () => {
    const delay = Math.min(10_000, 1000 * 2 ** failures++);
    timer = setTimeout(() => {
      connect().then(
        () => handlers.onResync?.(),
        (error: unknown) => {
          if (closed) return;
          handlers.onError?.(error);
          retry();
        },
      );
    }, delay);
    timer.unref();
  };
  await connect();
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      onClosed();
      await client?.end().catch(() => {});
    },
  };
}

function errorMessage(error: unknown): string {
  // `pg` reports a refused connection to several addresses (IPv4 and IPv6) as an AggregateError.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(errorMessage).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}
