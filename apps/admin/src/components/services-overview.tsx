import { serviceCatalog } from "@/server/catalog.ts";
import { ServiceList } from "./service-list.tsx";

/** The services page's content, also the home page. Built from the contracts only. */
export function ServicesOverview() {
  const services = serviceCatalog();
  return (
    <>
      <h1>Services</h1>
      <p className="lead">
        Every RPC service and method. A service runs in the control silo (<code>CONTROL</code>) or
        in the region that owns the data (<code>REGION</code>, found by the method's resolver). Open
        a method to call it and see how the call was routed.
      </p>
      <p className="muted" id="callers-explained">
        <strong>Callers</strong>: how many places in this repository's code (tests aside) call the
        method through the typed client, found by the TypeScript checker at build time. A method
        with none can change freely; one with callers must change in steps (see{" "}
        <code>docs/evolving-rpc-methods.md</code>).
      </p>
      <ServiceList services={services} />
    </>
  );
}
