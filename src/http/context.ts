// The typed Hono environment every route and middleware shares.
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Principal } from "../auth/principal.js";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    snapshot: ConfigSnapshot;
    principal: Principal;
  };
};
