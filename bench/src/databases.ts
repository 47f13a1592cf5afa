// PostgreSQL databases for one benchmark section: created on the server, dropped afterwards.
import { createDb } from "@acme/db";

/**
 * Creates a database per silo on `server` (named `<prefix>_<silo>_<pid>`), runs `work` with each
 * silo's URL, and drops them, whatever happened.
 */
export async function withPostgresDatabases<T>(
  server: string,
  prefix: string,
  silos: readonly string[],
  work: (urlOf: (silo: string) => string) => Promise<T>,
): Promise<T> {
  const admin = await createDb(server, { migrate: false, poolSize: 1 });
  const names = new Map(silos.map((silo) => [silo, `${prefix}_${silo}_${process.pid}`]));
  const urlOf = (silo: string) => {
    const name = names.get(silo);
    if (name === undefined) throw new Error(`No database for the ${silo} silo.`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    return url.toString();
  };
  try {
    for (const name of names.values()) await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
    return await work(urlOf);
  } finally {
    for (const name of names.values()) {
      await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
    await admin.$disconnect();
  }
}
