package sandbox

// schema is FossaWork V2's SQLite schema as SQLAlchemy creates it (see
// upstream-formats.md), with the app's indexes. Only journal_mode=WAL is
// persistent, so it is set separately after the load.
var schema = []string{
	`CREATE TABLE users (
	id VARCHAR NOT NULL PRIMARY KEY,
	username VARCHAR NOT NULL UNIQUE,
	email VARCHAR,
	hashed_password VARCHAR NOT NULL,
	full_name VARCHAR,
	is_active BOOLEAN NOT NULL DEFAULT 1,
	is_admin BOOLEAN NOT NULL DEFAULT 0,
	preferences JSON,
	last_login DATETIME,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE TABLE work_orders (
	id VARCHAR NOT NULL PRIMARY KEY,
	user_id VARCHAR NOT NULL REFERENCES users (id),
	external_id VARCHAR,
	site_name VARCHAR NOT NULL,
	address VARCHAR,
	scheduled_date DATETIME,
	status VARCHAR,
	work_type VARCHAR,
	notes TEXT,
	scraped_data JSON,
	store_number VARCHAR,
	service_code VARCHAR,
	service_description VARCHAR,
	visit_id VARCHAR,
	visit_url VARCHAR,
	visit_number VARCHAR,
	instructions TEXT,
	service_name VARCHAR,
	service_items JSON,
	street VARCHAR,
	city_state VARCHAR,
	county VARCHAR,
	created_date DATETIME,
	created_by VARCHAR,
	customer_url VARCHAR,
	last_synced_at DATETIME,
	sync_status VARCHAR,
	sync_error_message TEXT,
	sync_retry_count INTEGER DEFAULT 0,
	sync_session_id VARCHAR,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE TABLE dispensers (
	id VARCHAR NOT NULL PRIMARY KEY,
	work_order_id VARCHAR NOT NULL REFERENCES work_orders (id),
	dispenser_number VARCHAR NOT NULL,
	dispenser_type VARCHAR,
	fuel_grades JSON,
	status VARCHAR,
	progress_percentage FLOAT DEFAULT 0,
	form_data JSON,
	automation_completed BOOLEAN DEFAULT 0,
	testing_requirements JSON,
	make VARCHAR,
	model VARCHAR,
	serial_number VARCHAR,
	meter_type VARCHAR,
	number_of_nozzles VARCHAR,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE TABLE automation_jobs (
	id VARCHAR NOT NULL PRIMARY KEY,
	user_id VARCHAR NOT NULL REFERENCES users (id),
	work_order_id VARCHAR REFERENCES work_orders (id),
	job_type VARCHAR NOT NULL,
	status VARCHAR,
	progress FLOAT DEFAULT 0,
	total_items INTEGER,
	current_item VARCHAR,
	error_message TEXT,
	job_config JSON,
	started_at DATETIME,
	completed_at DATETIME,
	created_at DATETIME)`,
	`CREATE TABLE filter_inventory (
	id VARCHAR NOT NULL PRIMARY KEY,
	user_id VARCHAR NOT NULL REFERENCES users (id),
	part_number VARCHAR NOT NULL,
	filter_type VARCHAR,
	description VARCHAR,
	quantity_on_hand INTEGER DEFAULT 0,
	reorder_level INTEGER DEFAULT 0,
	updated_at DATETIME)`,
	`CREATE TABLE scraping_history (
	id VARCHAR NOT NULL PRIMARY KEY,
	user_id VARCHAR NOT NULL REFERENCES users (id),
	session_id VARCHAR,
	started_at DATETIME,
	completed_at DATETIME,
	status VARCHAR,
	work_orders_found INTEGER,
	error_message TEXT,
	raw_payload JSON)`,
	`CREATE TABLE scraping_schedules (
	id VARCHAR NOT NULL PRIMARY KEY,
	user_id VARCHAR NOT NULL REFERENCES users (id),
	schedule_type VARCHAR NOT NULL,
	interval_hours FLOAT,
	active_hours JSON,
	enabled BOOLEAN DEFAULT 1,
	last_run DATETIME,
	next_run DATETIME,
	consecutive_failures INTEGER DEFAULT 0,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE INDEX ix_work_orders_user_id ON work_orders (user_id)`,
	`CREATE INDEX ix_work_orders_external_id ON work_orders (external_id)`,
	`CREATE INDEX ix_work_orders_scheduled_date ON work_orders (scheduled_date)`,
	`CREATE INDEX ix_work_orders_status ON work_orders (status)`,
	`CREATE INDEX ix_dispensers_work_order_id ON dispensers (work_order_id)`,
	`CREATE INDEX ix_automation_jobs_user_id ON automation_jobs (user_id)`,
	`CREATE INDEX ix_automation_jobs_work_order_id ON automation_jobs (work_order_id)`,
	`CREATE INDEX ix_automation_jobs_status ON automation_jobs (status)`,
	`CREATE INDEX ix_scraping_history_user_id ON scraping_history (user_id)`,
	`CREATE INDEX ix_scraping_schedules_user_id ON scraping_schedules (user_id)`,
}

const insertWorkOrder = `INSERT INTO work_orders (id, user_id, external_id, site_name, address,
	scheduled_date, status, work_type, notes, scraped_data, store_number, service_code,
	service_description, visit_id, visit_url, visit_number, instructions, service_name,
	service_items, street, city_state, county, created_date, created_by, customer_url,
	last_synced_at, sync_status, sync_error_message, sync_retry_count, sync_session_id,
	created_at, updated_at)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const insertDispenser = `INSERT INTO dispensers (id, work_order_id, dispenser_number,
	dispenser_type, fuel_grades, status, progress_percentage, form_data, automation_completed,
	testing_requirements, make, model, serial_number, meter_type, number_of_nozzles,
	created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const insertJob = `INSERT INTO automation_jobs (id, user_id, work_order_id, job_type, status,
	progress, total_items, current_item, error_message, job_config, started_at, completed_at,
	created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`

const insertUser = `INSERT INTO users (id, username, email, hashed_password, full_name,
	is_active, is_admin, preferences, last_login, created_at, updated_at)
	VALUES (?,?,?,?,?,?,?,?,?,?,?)`

const insertScrape = `INSERT INTO scraping_history (id, user_id, session_id, started_at,
	completed_at, status, work_orders_found, error_message, raw_payload)
	VALUES (?,?,?,?,?,?,?,?,?)`

const insertFilter = `INSERT INTO filter_inventory VALUES (?,?,?,?,?,?,?,?)`

const insertSchedule = `INSERT INTO scraping_schedules VALUES (?,?,?,?,?,?,?,?,?,?,?)`
