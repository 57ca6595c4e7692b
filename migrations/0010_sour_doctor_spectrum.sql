CREATE TABLE `away_people` (
	`user_id` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL,
	`backup_id` text,
	`set_at` integer NOT NULL
);
