# ruff: noqa: E501  (the DDL keeps one constraint a line, as the schema dump has it)
"""The previous FastAPI backend's PostgreSQL database, as its own migration (83f489bcecf3) left it.

`SCHEMA` is the DDL of its 19 tables, written from a schema-only dump of a database that migration
built: every column with its type, nullability and default, every primary key, unique and check
constraint under the name it had, and every foreign key with its ON DELETE rule. `populate()` fills
it the way that backend's API did: passlib bcrypt hashes (`$2b$12$`), naive UTC timestamps, NULL
wherever the schema allowed one, and at least one row in each table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

import bcrypt
import sqlalchemy as sa

LEGACY_REVISION = "83f489bcecf3"
TABLES = (
    "alembic_version", "alert_settings", "audit_logs", "centers", "environments", "feedback",
    "generated_reports", "inventory_check_items", "inventory_checks", "inventory_items", "loans",
    "maintenance_history", "maintenance_requests", "notifications", "schedules",
    "supervisor_reviews", "system_alerts", "user_settings", "users",
)

SCHEMA = """
CREATE TABLE alembic_version (
    version_num character varying(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE centers (
    id uuid NOT NULL PRIMARY KEY,
    name character varying(100) NOT NULL,
    location character varying(200) NOT NULL,
    description text,
    is_active boolean,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE environments (
    id uuid NOT NULL PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id) ON DELETE CASCADE,
    name character varying(100) NOT NULL,
    location character varying(200) NOT NULL,
    capacity integer NOT NULL,
    qr_code character varying(100) NOT NULL UNIQUE,
    description text,
    is_warehouse boolean NOT NULL,
    is_active boolean,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE users (
    id uuid NOT NULL PRIMARY KEY,
    email character varying(255) NOT NULL UNIQUE,
    password_hash character varying(255) NOT NULL,
    role character varying(20) NOT NULL,
    first_name character varying(100) NOT NULL,
    last_name character varying(100) NOT NULL,
    phone character varying(20),
    program character varying(100),
    ficha character varying(20),
    environment_id uuid REFERENCES environments (id) ON DELETE SET NULL,
    avatar_url character varying(500),
    is_active boolean,
    last_login timestamp without time zone,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_role CHECK (role IN ('student', 'instructor', 'supervisor', 'admin', 'admin_general'))
);
CREATE TABLE alert_settings (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    alert_type character varying(50) NOT NULL,
    is_enabled boolean,
    threshold_value integer,
    notification_methods character varying[],
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_alert_setting_user_id_alert_type UNIQUE (user_id, alert_type),
    CONSTRAINT check_alert_type CHECK (alert_type IS NOT NULL),
    CONSTRAINT check_is_enabled CHECK (is_enabled IN (true, false))
);
CREATE TABLE audit_logs (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    action character varying(100) NOT NULL,
    entity_type character varying(50) NOT NULL,
    entity_id uuid,
    old_values jsonb,
    new_values jsonb,
    ip_address inet,
    user_agent text,
    session_id character varying(100),
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE feedback (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type character varying(20) NOT NULL,
    category character varying(50),
    title character varying(200) NOT NULL,
    description text NOT NULL,
    steps_to_reproduce text,
    priority character varying(20),
    rating integer,
    status character varying(20),
    admin_response text,
    include_device_info boolean,
    include_logs boolean,
    allow_follow_up boolean,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_priority CHECK (priority IN ('low', 'medium', 'high')),
    CONSTRAINT check_rating CHECK (rating >= 1 AND rating <= 5),
    CONSTRAINT check_status CHECK (status IN ('submitted', 'reviewed', 'in_progress', 'completed', 'rejected')),
    CONSTRAINT check_type CHECK (type IN ('bug', 'suggestion', 'feature', 'compliment', 'complaint', 'other'))
);
CREATE TABLE generated_reports (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report_type character varying(50) NOT NULL,
    title character varying(200) NOT NULL,
    parameters jsonb,
    file_path character varying(500),
    file_format character varying(10) NOT NULL,
    file_size integer,
    status character varying(20) NOT NULL,
    generated_at timestamp without time zone,
    expires_at timestamp without time zone,
    download_count integer,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_file_format CHECK (file_format IN ('pdf', 'excel', 'csv')),
    CONSTRAINT check_status CHECK (status IN ('generating', 'completed', 'failed'))
);
CREATE TABLE inventory_items (
    id uuid NOT NULL PRIMARY KEY,
    environment_id uuid REFERENCES environments (id) ON DELETE CASCADE,
    name character varying(100) NOT NULL,
    serial_number character varying(100),
    internal_code character varying(50) NOT NULL,
    category character varying(20) NOT NULL,
    brand character varying(50),
    model character varying(100),
    status character varying(20) NOT NULL,
    purchase_date date,
    warranty_expiry date,
    last_maintenance date,
    next_maintenance date,
    image_url character varying(500),
    notes text,
    quantity integer NOT NULL,
    quantity_damaged integer NOT NULL,
    quantity_missing integer NOT NULL,
    item_type character varying(10) NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT inventory_items_internal_code_key UNIQUE (internal_code),
    CONSTRAINT inventory_items_serial_number_key UNIQUE (serial_number),
    CONSTRAINT check_category CHECK (category IN ('computer', 'projector', 'keyboard', 'mouse', 'tv', 'camera', 'microphone', 'tablet', 'other')),
    CONSTRAINT check_item_type CHECK (item_type IN ('individual', 'group')),
    CONSTRAINT check_quantity CHECK (quantity >= 0),
    CONSTRAINT check_quantity_damaged CHECK (quantity_damaged >= 0),
    CONSTRAINT check_quantity_missing CHECK (quantity_missing >= 0),
    CONSTRAINT check_status CHECK (status IN ('available', 'in_use', 'maintenance', 'damaged', 'lost', 'missing', 'good'))
);
CREATE TABLE inventory_check_items (
    id uuid NOT NULL PRIMARY KEY,
    item_id uuid NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    environment_id uuid NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    status character varying(20) NOT NULL,
    quantity_expected integer,
    quantity_found integer,
    quantity_damaged integer,
    quantity_missing integer,
    notes text,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_status CHECK (status IN ('good', 'damaged', 'missing'))
);
CREATE TABLE schedules (
    id uuid NOT NULL PRIMARY KEY,
    environment_id uuid NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    instructor_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    program character varying(100) NOT NULL,
    ficha character varying(20) NOT NULL,
    topic character varying(200),
    start_time time without time zone NOT NULL,
    end_time time without time zone NOT NULL,
    day_of_week integer NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    student_count integer,
    is_active boolean,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_day_of_week CHECK (day_of_week >= 1 AND day_of_week <= 7)
);
CREATE TABLE inventory_checks (
    id uuid NOT NULL PRIMARY KEY,
    environment_id uuid NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    student_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instructor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    supervisor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    schedule_id uuid REFERENCES schedules (id) ON DELETE SET NULL,
    check_date date NOT NULL,
    check_time time without time zone NOT NULL,
    status character varying(20) NOT NULL,
    total_items integer,
    items_good integer,
    items_damaged integer,
    items_missing integer,
    is_clean boolean,
    is_organized boolean,
    inventory_complete boolean,
    cleaning_notes text,
    comments text,
    instructor_comments text,
    supervisor_comments text,
    student_confirmed_at timestamp without time zone,
    instructor_confirmed_at timestamp without time zone,
    supervisor_confirmed_at timestamp without time zone,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    CONSTRAINT check_status CHECK (status IN ('student_pending', 'instructor_review', 'supervisor_review', 'complete', 'issues', 'rejected'))
);
CREATE TABLE loans (
    id uuid NOT NULL PRIMARY KEY,
    instructor_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id uuid REFERENCES inventory_items (id) ON DELETE CASCADE,
    admin_id uuid REFERENCES users (id) ON DELETE SET NULL,
    environment_id uuid NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    program character varying(100) NOT NULL,
    purpose text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    actual_return_date date,
    status character varying(20) NOT NULL,
    rejection_reason text,
    item_name character varying(200),
    item_description text,
    is_registered_item boolean NOT NULL,
    quantity_requested integer NOT NULL,
    priority character varying(10) NOT NULL,
    acta_pdf_path character varying(500),
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_priority CHECK (priority IN ('alta', 'media', 'baja')),
    CONSTRAINT check_status CHECK (status IN ('pending', 'approved', 'rejected', 'active', 'returned', 'overdue'))
);
CREATE TABLE maintenance_requests (
    id uuid NOT NULL PRIMARY KEY,
    item_id uuid REFERENCES inventory_items (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_technician_id uuid REFERENCES users (id) ON DELETE SET NULL,
    environment_id uuid REFERENCES environments (id) ON DELETE CASCADE,
    title character varying(200) NOT NULL,
    description text NOT NULL,
    priority character varying(20) NOT NULL,
    status character varying(20) NOT NULL,
    category character varying(50),
    location character varying(200),
    estimated_completion date,
    actual_completion date,
    cost numeric(10,2),
    notes text,
    images_urls character varying[],
    quantity_affected integer,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_item_or_environment CHECK (item_id IS NOT NULL OR environment_id IS NOT NULL),
    CONSTRAINT check_priority CHECK (priority IN ('low', 'medium', 'high', 'urgent', 'baja', 'media', 'alta', 'urgente')),
    CONSTRAINT check_status CHECK (status IN ('pending', 'assigned', 'in_progress', 'completed', 'cancelled'))
);
CREATE TABLE maintenance_history (
    id uuid NOT NULL PRIMARY KEY,
    item_id uuid NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    request_id uuid REFERENCES maintenance_requests (id) ON DELETE SET NULL,
    technician_id uuid REFERENCES users (id) ON DELETE SET NULL,
    maintenance_type character varying(50) NOT NULL,
    description text NOT NULL,
    cost numeric(10,2),
    parts_replaced text,
    maintenance_date date NOT NULL,
    next_maintenance_date date,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_maintenance_type CHECK (maintenance_type IN ('preventive', 'corrective', 'upgrade'))
);
CREATE TABLE notifications (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type character varying(50) NOT NULL,
    title character varying(200) NOT NULL,
    message text NOT NULL,
    is_read boolean,
    priority character varying(20),
    action_url character varying(500),
    expires_at timestamp without time zone,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_priority CHECK (priority IN ('low', 'medium', 'high')),
    CONSTRAINT check_type CHECK (type IN ('loan_approved', 'loan_rejected', 'loan_overdue', 'check_reminder', 'maintenance_request', 'maintenance_update', 'verification_pending', 'alert', 'system', 'verification_update'))
);
CREATE TABLE supervisor_reviews (
    id uuid NOT NULL PRIMARY KEY,
    check_id uuid NOT NULL REFERENCES inventory_checks (id) ON DELETE CASCADE,
    supervisor_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status character varying(20) NOT NULL,
    comments text,
    reviewed_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_status CHECK (status IN ('pending', 'approved', 'rejected'))
);
CREATE TABLE system_alerts (
    id uuid NOT NULL PRIMARY KEY,
    type character varying(50) NOT NULL,
    title character varying(200) NOT NULL,
    message text NOT NULL,
    severity character varying(20) NOT NULL,
    entity_type character varying(50),
    entity_id uuid,
    is_resolved boolean,
    resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    resolved_at timestamp without time zone,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_severity CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT check_type CHECK (type IN ('low_stock', 'maintenance_overdue', 'equipment_missing', 'loan_overdue', 'verification_pending'))
);
CREATE TABLE user_settings (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language character varying(10),
    theme character varying(20),
    timezone character varying(50),
    notifications_enabled boolean,
    email_notifications boolean,
    push_notifications boolean,
    auto_save boolean,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_user_setting_user_id UNIQUE (user_id)
);
"""


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{n:012d}")


def passlib_bcrypt(password: str) -> str:
    """A hash exactly as passlib's bcrypt wrote it: `$2b$`, cost 12, the first 72 bytes."""
    return bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=12, prefix=b"2b")).decode()


@dataclass(frozen=True)
class LegacyUser:
    id: uuid.UUID
    email: str  # as stored: the previous backend kept the case it was given
    password: str
    role: str
    first_name: str
    last_name: str
    is_active: bool | None
    last_login: datetime | None  # naive UTC
    created_at: datetime | None  # naive UTC; None: the row holds NULL
    updated_at: datetime | None
    phone: str | None = None
    program: str | None = None
    ficha: str | None = None
    environment_id: uuid.UUID | None = None
    avatar_url: str | None = None


CENTER = uid(1)
ENVIRONMENT = uid(2)
WAREHOUSE = uid(3)
# An 83-byte password: passlib's bcrypt only ever read its first 72 bytes.
LONG_PASSWORD = "Mi frase de paso es larguísima porque la anoto en un cuaderno del ambiente 204 sí"
assert len(LONG_PASSWORD.encode()) == 83

USERS = (
    LegacyUser(uid(101), "rectora@sena.edu.co", "Rectoría-Sena-2023!", "admin_general", "Rosa",
               "Díaz", True, datetime(2025, 6, 2, 12, 15, 30, 123456), datetime(2024, 1, 15, 9, 0),
               datetime(2024, 1, 15, 9, 0), phone="3001234567"),
    # Mixed case as it was registered: the previous backend compared emails exactly.
    LegacyUser(uid(102), "Laura.Gomez@sena.edu.co", "contraseña-Ñandú-2023", "instructor",
               "Laura", "Gómez", True, datetime(2025, 5, 30, 22, 45), datetime(2024, 2, 1, 14, 5, 9),
               datetime(2025, 3, 1, 13, 30), program="ADSO", environment_id=ENVIRONMENT,
               avatar_url="https://cdn.sena.edu.co/avatars/laura.png"),
    LegacyUser(uid(103), "aprendiz.largo@sena.edu.co", LONG_PASSWORD, "student", "Andrés",
               "Peña", True, None, datetime(2024, 8, 20, 7, 0), datetime(2024, 8, 20, 7, 0),
               program="Gestión de redes", ficha="2758391"),
    # is_active NULL: the previous backend's login refused it (`if not user.is_active`).
    LegacyUser(uid(104), "nulo@sena.edu.co", "clave-de-siempre-2023", "student", "Nora",
               "Nulo", None, datetime(2024, 12, 1, 8, 0), datetime(2024, 3, 3, 3, 3),
               datetime(2025, 4, 4, 4, 4)),
    LegacyUser(uid(105), "inactivo@sena.edu.co", "clave-de-siempre-2023", "supervisor", "Iván",
               "Inactivo", False, None, datetime(2024, 3, 4, 10, 0), datetime(2025, 1, 2, 10, 0)),
    # created_at and updated_at NULL: written explicitly, as an admin script could.
    LegacyUser(uid(106), "tecnico@sena.edu.co", "Técnico-de-Planta-9", "admin", "Tomás",
               "Técnico", True, datetime(2025, 2, 10, 16, 20), None, None),
    # Only updated_at NULL, and a last login before it.
    LegacyUser(uid(107), "sin.actualizar@sena.edu.co", "Sin-Actualizar-77", "student", "Sara",
               "Sánchez", True, None, datetime(2025, 7, 7, 7, 7), None),
)
USERS_BY_EMAIL = {user.email: user for user in USERS}


def create_schema(connection) -> None:
    connection.exec_driver_sql(SCHEMA)


def populate(connection) -> None:
    """Rows in all 19 tables, as the previous backend's API and migration left them."""
    connection.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": LEGACY_REVISION})
    insert(connection, "centers", id=CENTER, name="Centro de Teleinformática",
           location="Cali", description=None, is_active=None)
    insert(connection, "environments", id=ENVIRONMENT, center_id=CENTER, name="Ambiente 204",
           location="Bloque B", capacity=30, qr_code="QR-204", description=None,
           is_warehouse=False, is_active=True)
    insert(connection, "environments", id=WAREHOUSE, center_id=CENTER, name="Almacén",
           location="Bloque A", capacity=0, qr_code="QR-ALM", description="Bodega",
           is_warehouse=True, is_active=None, created_at=None, updated_at=None)
    for user in USERS:
        values = {name: getattr(user, name) for name in (
            "id", "email", "role", "first_name", "last_name", "phone", "program", "ficha",
            "environment_id", "avatar_url", "is_active", "last_login", "created_at", "updated_at")}
        insert(connection, "users", password_hash=passlib_bcrypt(user.password), **values)
    admin, instructor, student, null_user, supervisor, technician, _ = (u.id for u in USERS)
    item = uid(201)
    insert(connection, "inventory_items", id=item, environment_id=ENVIRONMENT, name="Portátil HP",
           serial_number="5CD1234XYZ", internal_code="INV-0001", category="computer", brand="HP",
           model="ProBook 440", status="available", purchase_date=date(2023, 2, 1),
           quantity=1, quantity_damaged=0, quantity_missing=0, item_type="individual")
    insert(connection, "inventory_items", id=uid(202), environment_id=None, name="Cables HDMI",
           serial_number=None, internal_code="INV-0002", category="other", status="good",
           quantity=12, quantity_damaged=1, quantity_missing=2, item_type="group",
           created_at=None, updated_at=None)
    schedule = uid(301)
    insert(connection, "schedules", id=schedule, environment_id=ENVIRONMENT, instructor_id=instructor,
           program="ADSO", ficha="2758391", topic=None, start_time=time(7, 0), end_time=time(13, 0),
           day_of_week=1, start_date=date(2025, 1, 20), end_date=date(2025, 6, 20),
           student_count=28, is_active=None)
    check = uid(401)
    insert(connection, "inventory_checks", id=check, environment_id=ENVIRONMENT, student_id=student,
           instructor_id=instructor, supervisor_id=supervisor, schedule_id=schedule,
           check_date=date(2025, 3, 3), check_time=time(7, 5), status="supervisor_review",
           total_items=1, items_good=1, items_damaged=0, items_missing=0, is_clean=True,
           is_organized=None, student_confirmed_at=datetime(2025, 3, 3, 12, 5))
    insert(connection, "inventory_checks", id=uid(402), environment_id=ENVIRONMENT,
           student_id=null_user, instructor_id=None, supervisor_id=None, schedule_id=None,
           check_date=date(2025, 3, 4), check_time=time(7, 0), status="student_pending")
    insert(connection, "inventory_check_items", id=uid(451), item_id=item, environment_id=ENVIRONMENT,
           user_id=student, status="good", quantity_expected=1, quantity_found=1)
    insert(connection, "supervisor_reviews", id=uid(501), check_id=check, supervisor_id=supervisor,
           status="approved", comments="Todo en orden")
    insert(connection, "loans", id=uid(601), instructor_id=instructor, item_id=item, admin_id=admin,
           environment_id=ENVIRONMENT, program="ADSO", purpose="Clase de redes",
           start_date=date(2025, 4, 1), end_date=date(2025, 4, 2), status="returned",
           is_registered_item=True, quantity_requested=1, priority="media")
    insert(connection, "loans", id=uid(602), instructor_id=instructor, item_id=None, admin_id=None,
           environment_id=ENVIRONMENT, program="ADSO", purpose="Proyector externo",
           start_date=date(2025, 5, 1), end_date=date(2025, 5, 1), status="pending",
           item_name="Proyector Epson", is_registered_item=False, quantity_requested=1,
           priority="alta")
    request = uid(701)
    insert(connection, "maintenance_requests", id=request, item_id=item, user_id=instructor,
           assigned_technician_id=technician, environment_id=None, title="Pantalla parpadea",
           description="La pantalla parpadea al encender", priority="alta", status="completed",
           cost=125000.50, images_urls=["https://cdn.sena.edu.co/m/1.jpg"])
    insert(connection, "maintenance_history", id=uid(751), item_id=item, request_id=request,
           technician_id=technician, maintenance_type="corrective", description="Cambio de cable LVDS",
           cost=80000, maintenance_date=date(2025, 4, 10))
    insert(connection, "notifications", id=uid(801), user_id=null_user, type="check_reminder",
           title="Verificación pendiente", message="Recuerde la verificación de hoy", is_read=None)
    insert(connection, "alert_settings", id=uid(851), user_id=admin, alert_type="low_stock",
           is_enabled=True, threshold_value=3, notification_methods=["email", "push"])
    insert(connection, "feedback", id=uid(901), user_id=student, type="suggestion",
           title="Modo oscuro", description="Sería útil un modo oscuro", priority=None, rating=5,
           status="submitted")
    insert(connection, "generated_reports", id=uid(951), user_id=admin, report_type="inventory",
           title="Inventario marzo", parameters='{"month": 3}', file_format="pdf",
           status="completed", generated_at=datetime(2025, 3, 31, 23, 59), download_count=None)
    insert(connection, "system_alerts", id=uid(961), type="loan_overdue", title="Préstamo vencido",
           message="El préstamo no se ha devuelto", severity="medium", is_resolved=True,
           resolved_by=admin, resolved_at=datetime(2025, 4, 3, 9, 0))
    insert(connection, "user_settings", id=uid(971), user_id=instructor, language="es",
           theme="dark", timezone="America/Bogota", notifications_enabled=True)
    insert(connection, "audit_logs", id=uid(981), user_id=admin, action="UPDATE",
           entity_type="users", entity_id=supervisor, old_values='{"is_active": true}',
           new_values='{"is_active": false}', ip_address="10.0.0.7", user_agent="Dart/3.4",
           session_id=None)
    insert(connection, "audit_logs", id=uid(982), user_id=None, action="LOGIN_FAILED",
           entity_type="auth", entity_id=None, ip_address=None)


def insert(connection, table: str, **values) -> None:
    columns = ", ".join(values)
    params = []
    for name in values:
        if name in ("old_values", "new_values", "parameters"):
            params.append(f"CAST(:{name} AS jsonb)")
        elif name == "ip_address":
            params.append(f"CAST(:{name} AS inet)")
        else:
            params.append(f":{name}")
    connection.execute(
        sa.text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(params)})"), values
    )


def build(url: str) -> None:
    """Create the previous backend's schema and rows in the (empty) database at `url`."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        create_schema(connection)
        populate(connection)
    engine.dispose()
