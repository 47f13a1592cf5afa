/**
 * How a process is deployed. MONOLITH runs every service in process; CONTROL and REGION run only
 * the services local to them and call the others over signed HTTP.
 */
export const SiloMode = {
  MONOLITH: "MONOLITH",
  CONTROL: "CONTROL",
  REGION: "REGION",
} as const;
export type SiloMode = (typeof SiloMode)[keyof typeof SiloMode];

/** Where a service's implementation lives. */
export type ServiceMode = Exclude<SiloMode, "MONOLITH">;
