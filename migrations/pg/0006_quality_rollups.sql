CREATE TABLE "quality_backfill" (
	"id" integer NOT NULL,
	"through_event_id" integer NOT NULL,
	"at" bigint NOT NULL,
	CONSTRAINT "quality_backfill_id_pk" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "quality_days" (
	"to_team" text NOT NULL,
	"day" integer NOT NULL,
	"decided_day" integer NOT NULL,
	"type_key" text NOT NULL,
	"from_team" text NOT NULL,
	"type_version" text NOT NULL,
	"decided" integer NOT NULL,
	"returns" integer NOT NULL,
	"first_returns" integer NOT NULL,
	"second_returns" integer NOT NULL,
	"first_created_at" bigint,
	"first_handoff_id" integer NOT NULL,
	CONSTRAINT "quality_days_pk" PRIMARY KEY("to_team","day","decided_day","type_key","from_team","type_version")
);
--> statement-breakpoint
CREATE TABLE "quality_facts" (
	"event_id" integer NOT NULL,
	"handoff_id" integer NOT NULL,
	"type_key" text NOT NULL,
	"from_team" text,
	"to_team" text NOT NULL,
	"type_version" text,
	"created_at" bigint NOT NULL,
	"at" bigint NOT NULL,
	"first_decision" boolean NOT NULL,
	"return_number" integer NOT NULL,
	"decided_at" bigint,
	"returned_at" bigint,
	"flagged_fields" jsonb NOT NULL,
	"something_else" boolean NOT NULL,
	"reason" text,
	CONSTRAINT "quality_facts_event_id_pk" PRIMARY KEY("event_id")
);
--> statement-breakpoint
CREATE TABLE "quality_reasons" (
	"to_team" text NOT NULL,
	"day" integer NOT NULL,
	"type_key" text NOT NULL,
	"from_team" text NOT NULL,
	"entries" jsonb NOT NULL,
	CONSTRAINT "quality_reasons_to_team_day_type_key_from_team_pk" PRIMARY KEY("to_team","day","type_key","from_team")
);
--> statement-breakpoint
CREATE TABLE "quality_resubmissions" (
	"to_team" text NOT NULL,
	"day" integer NOT NULL,
	"type_key" text NOT NULL,
	"from_team" text NOT NULL,
	"spans" jsonb NOT NULL,
	CONSTRAINT "quality_resubmissions_to_team_day_type_key_from_team_pk" PRIMARY KEY("to_team","day","type_key","from_team")
);
--> statement-breakpoint
DROP INDEX "handoffs_from_team_closed_idx";--> statement-breakpoint
ALTER TABLE "quality_facts" ADD CONSTRAINT "quality_facts_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quality_days_from_idx" ON "quality_days" USING btree ("from_team","day");--> statement-breakpoint
CREATE INDEX "quality_days_type_idx" ON "quality_days" USING btree ("type_key","day");--> statement-breakpoint
CREATE INDEX "quality_facts_at_idx" ON "quality_facts" USING btree ("at");--> statement-breakpoint
CREATE INDEX "quality_facts_decided_at_idx" ON "quality_facts" USING btree ("decided_at");--> statement-breakpoint
CREATE INDEX "quality_reasons_from_idx" ON "quality_reasons" USING btree ("from_team","day");--> statement-breakpoint
CREATE INDEX "quality_reasons_type_idx" ON "quality_reasons" USING btree ("type_key","day");--> statement-breakpoint
CREATE INDEX "quality_resubmissions_from_idx" ON "quality_resubmissions" USING btree ("from_team","day");--> statement-breakpoint
CREATE INDEX "quality_resubmissions_type_idx" ON "quality_resubmissions" USING btree ("type_key","day");