import { baseConfig } from "@acme/vitest-config";

export default baseConfig;
