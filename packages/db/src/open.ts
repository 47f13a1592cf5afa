// Opens a database target with its engine's driver. Each engine is imported only when a target
// needs it: PGlite's module alone adds about 45 MB to a process, which one on PostgreSQL never
// pays (and `pg` stays out of a PGlite process).
import type { Driver, DriverOptions } from "./driver.ts";
import type { DatabaseTarget } from "./target.ts";

export async function openDriver(
  target: DatabaseTarget,
  options: DriverOptions = {},
): Promise<Driver> {
  if (target.engine === "postgres") {
    const { openPostgres } = await import("./postgres.ts");
    return openPostgres(target, options);
  }
  const { openPGlite } = await import("./pglite.ts");
  return openPGlite(target, options);
}
