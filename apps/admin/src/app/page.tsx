import { ServicesOverview } from "@/components/services-overview.tsx";

export default function HomePage() {
  return <ServicesOverview />;
}
