CREATE TABLE "approval_messages" (
	"handoff_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"event_id" integer NOT NULL,
	"channel" text NOT NULL,
	"ts" text NOT NULL,
	CONSTRAINT "approval_messages_channel_ts_pk" PRIMARY KEY("channel","ts")
);
--> statement-breakpoint
ALTER TABLE "approval_messages" ADD CONSTRAINT "approval_messages_handoff_id_handoffs_id_fk" FOREIGN KEY ("handoff_id") REFERENCES "public"."handoffs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_messages_handoff_idx" ON "approval_messages" USING btree ("handoff_id");