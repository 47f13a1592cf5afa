-- One database per silo on this one server (silo_control is POSTGRES_DB, created by the image).
CREATE DATABASE silo_us;
CREATE DATABASE silo_eu;
