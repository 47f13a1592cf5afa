import type { Driver, DriverOptions } from "./driver.ts";
import { openPGlite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";
import type { DatabaseTarget } from "./target.ts";

export function openDriver(target: DatabaseTarget, options: DriverOptions = {}): Promise<Driver> {
  return target.engine === "postgres" ? openPostgres(target, options) : openPGlite(target, options);
}
