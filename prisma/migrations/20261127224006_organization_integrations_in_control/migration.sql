-- DropForeignKey
ALTER TABLE "organization_integrations" DROP CONSTRAINT "organization_integrations_organization_id_fkey";

-- AddForeignKey
ALTER TABLE "organization_integrations" ADD CONSTRAINT "organization_integrations_integration_id_fkey" FOREIGN KEY ("integration_id") REFERENCES "integrations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

