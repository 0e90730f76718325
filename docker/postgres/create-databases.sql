-- One database per subgraph; no subgraph reads another's.
-- The postgres image runs this once, when it starts on an empty data volume.
-- The tables come from each service's migrations (prisma migrate deploy).
CREATE DATABASE users;
CREATE DATABASE products;
CREATE DATABASE orders;
