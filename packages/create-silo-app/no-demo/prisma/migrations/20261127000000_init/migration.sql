-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "OrganizationStatus" AS ENUM ('ACTIVE', 'PENDING_DELETION', 'DELETION_IN_PROGRESS');

-- CreateEnum
CREATE TYPE "IdempotencyKeyState" AS ENUM ('RUNNING', 'DONE');

-- CreateTable
CREATE TABLE "organization_mappings" (
    "organization_id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "region_name" TEXT NOT NULL,
    "status" "OrganizationStatus" NOT NULL DEFAULT 'ACTIVE',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organization_mappings_pkey" PRIMARY KEY ("organization_id")
);

-- CreateTable
CREATE TABLE "control_outbox" (
    "id" BIGSERIAL NOT NULL,
    "region_name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "shard_scope" TEXT NOT NULL,
    "shard_id" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "control_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "region_outbox" (
    "id" BIGSERIAL NOT NULL,
    "category" TEXT NOT NULL,
    "shard_scope" TEXT NOT NULL,
    "shard_id" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "region_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_leases" (
    "outbox" TEXT NOT NULL,
    "shard" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_leases_pkey" PRIMARY KEY ("outbox","shard")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "key" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "state" "IdempotencyKeyState" NOT NULL,
    "response" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "organization_mappings_slug_key" ON "organization_mappings"("slug");

-- CreateIndex
CREATE INDEX "organization_mappings_region_name_idx" ON "organization_mappings"("region_name");

-- CreateIndex
CREATE INDEX "control_outbox_region_name_shard_scope_shard_id_id_idx" ON "control_outbox"("region_name", "shard_scope", "shard_id", "id");

-- CreateIndex
CREATE INDEX "region_outbox_shard_scope_shard_id_id_idx" ON "region_outbox"("shard_scope", "shard_id", "id");

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

