--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: scrapegate; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA scrapegate;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: collections; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.collections (
    seq bigint NOT NULL,
    decision bigint NOT NULL,
    "time" bigint NOT NULL,
    bytes bigint NOT NULL,
    status integer NOT NULL,
    content_sha256 bytea NOT NULL,
    hash bytea NOT NULL
);


--
-- Name: decisions; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.decisions (
    seq bigint NOT NULL,
    "time" bigint NOT NULL,
    context integer NOT NULL,
    id bytea NOT NULL,
    path text NOT NULL,
    hash bytea NOT NULL
);


--
-- Name: collections_v; Type: VIEW; Schema: scrapegate; Owner: -
--

CREATE VIEW scrapegate.collections_v AS
 SELECT x.seq,
        CASE
            WHEN (length(d.id) = 16) THEN ((encode(d.id, 'hex'::text))::uuid)::text
            ELSE convert_from(SUBSTRING(d.id FROM
            CASE
                WHEN (get_byte(d.id, 1) = 255) THEN 3
                ELSE 2
            END), 'UTF8'::name)
        END AS decision_id,
    to_char(('1970-01-01 00:00:00'::timestamp without time zone + ((x."time")::double precision * '00:00:00.000001'::interval)), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'::text) AS "time",
    x.status,
    x.bytes,
    encode(x.content_sha256, 'hex'::text) AS content_sha256,
    encode(d.hash, 'hex'::text) AS decision_hash,
    encode(x.hash, 'hex'::text) AS hash,
    x.decision AS decision_seq
   FROM (scrapegate.collections x
     LEFT JOIN scrapegate.decisions d ON ((d.seq = x.decision)));


--
-- Name: contexts; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.contexts (
    id integer NOT NULL,
    key bytea NOT NULL,
    profile integer NOT NULL,
    site text NOT NULL,
    origin text NOT NULL,
    query text NOT NULL,
    signals text NOT NULL
);


--
-- Name: contexts_id_seq; Type: SEQUENCE; Schema: scrapegate; Owner: -
--

CREATE SEQUENCE scrapegate.contexts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: contexts_id_seq; Type: SEQUENCE OWNED BY; Schema: scrapegate; Owner: -
--

ALTER SEQUENCE scrapegate.contexts_id_seq OWNED BY scrapegate.contexts.id;


--
-- Name: gaps; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.gaps (
    chain text NOT NULL,
    seq bigint NOT NULL,
    since bigint NOT NULL,
    prev_hash bytea NOT NULL
);


--
-- Name: profiles; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.profiles (
    id integer NOT NULL,
    key bytea NOT NULL,
    job text NOT NULL,
    owner text,
    method text NOT NULL,
    allow smallint NOT NULL,
    mode text NOT NULL,
    deny_codes text NOT NULL,
    warn_codes text NOT NULL,
    waived_codes text NOT NULL,
    jurisdictions text NOT NULL,
    legal_basis text NOT NULL,
    policy_revision text,
    engine text,
    error text
);


--
-- Name: decisions_v; Type: VIEW; Schema: scrapegate; Owner: -
--

CREATE VIEW scrapegate.decisions_v AS
 SELECT x.seq,
        CASE
            WHEN (length(x.id) = 16) THEN ((encode(x.id, 'hex'::text))::uuid)::text
            ELSE convert_from(SUBSTRING(x.id FROM
            CASE
                WHEN (get_byte(x.id, 1) = 255) THEN 3
                ELSE 2
            END), 'UTF8'::name)
        END AS decision_id,
    to_char(('1970-01-01 00:00:00'::timestamp without time zone + ((x."time")::double precision * '00:00:00.000001'::interval)), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'::text) AS "time",
    p.job,
    p.owner,
    p.method,
    ((c.origin || x.path) || c.query) AS url,
    c.site,
    p.allow,
    p.mode,
    p.deny_codes,
    p.warn_codes,
    p.waived_codes,
    p.jurisdictions,
    p.legal_basis,
    p.policy_revision,
    p.engine,
    c.signals,
    p.error,
    encode(COALESCE(( SELECT q.hash
           FROM scrapegate.decisions q
          WHERE (q.seq = (x.seq - 1))), ( SELECT g.prev_hash
           FROM scrapegate.gaps g
          WHERE ((g.chain = 'decisions'::text) AND (g.seq = x.seq))), decode(repeat('00'::text, 32), 'hex'::text)), 'hex'::text) AS prev_hash,
    encode(x.hash, 'hex'::text) AS hash
   FROM ((scrapegate.decisions x
     LEFT JOIN scrapegate.contexts c ON ((c.id = x.context)))
     LEFT JOIN scrapegate.profiles p ON ((p.id = c.profile)));


--
-- Name: heads; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.heads (
    chain text NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL
);


--
-- Name: meta; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.meta (
    key text NOT NULL,
    value text NOT NULL
);


--
-- Name: migrations; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.migrations (
    version integer NOT NULL,
    description text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: profiles_id_seq; Type: SEQUENCE; Schema: scrapegate; Owner: -
--

CREATE SEQUENCE scrapegate.profiles_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: profiles_id_seq; Type: SEQUENCE OWNED BY; Schema: scrapegate; Owner: -
--

ALTER SEQUENCE scrapegate.profiles_id_seq OWNED BY scrapegate.profiles.id;


--
-- Name: prunes; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.prunes (
    id integer NOT NULL,
    body text NOT NULL,
    mac text NOT NULL
);


--
-- Name: prunes_id_seq; Type: SEQUENCE; Schema: scrapegate; Owner: -
--

CREATE SEQUENCE scrapegate.prunes_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: prunes_id_seq; Type: SEQUENCE OWNED BY; Schema: scrapegate; Owner: -
--

ALTER SEQUENCE scrapegate.prunes_id_seq OWNED BY scrapegate.prunes.id;


--
-- Name: quarantine; Type: TABLE; Schema: scrapegate; Owner: -
--

CREATE TABLE scrapegate.quarantine (
    seq bigint NOT NULL,
    "time" text NOT NULL,
    action text NOT NULL,
    decision_id text,
    job text NOT NULL,
    site text NOT NULL,
    url text,
    reason text,
    category text,
    evidence text,
    handed_over smallint NOT NULL,
    actor text,
    prev_hash text NOT NULL,
    hash text NOT NULL
);


--
-- Name: contexts id; Type: DEFAULT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.contexts ALTER COLUMN id SET DEFAULT nextval('scrapegate.contexts_id_seq'::regclass);


--
-- Name: profiles id; Type: DEFAULT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.profiles ALTER COLUMN id SET DEFAULT nextval('scrapegate.profiles_id_seq'::regclass);


--
-- Name: prunes id; Type: DEFAULT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.prunes ALTER COLUMN id SET DEFAULT nextval('scrapegate.prunes_id_seq'::regclass);


--
-- Data for Name: collections; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.collections VALUES (1, 1, 1796290755790900, 100, 200, '\xcdb2708db3af6ec743ef3a63ed2465c002da3ddebd89f91522519ccbc32089cf', '\x8c18ebf78135840774e0edf329721eab');
INSERT INTO scrapegate.collections VALUES (2, 3, 1796290755795199, 102, 200, '\x9392684867789a5a45bce5851e1270ef1a26a35c4b5ea37e91d6d714a95653b0', '\xa6188e5464e71f855f6e8d677a14c6a8');
INSERT INTO scrapegate.collections VALUES (3, 5, 1796290755799014, 104, 200, '\x0f1be60833f34127cc4dfddd9649dd187597ac6cec1667b447761167ffb0cbee', '\x5d1285f39bfb71c00dce89cf7efd67b4');
INSERT INTO scrapegate.collections VALUES (4, 7, 1796290755802093, 106, 200, '\xa5bdb35f8c0a157c0eeb8f678bfa97ef0bd583cce30f67cdc803fdca2de27f9f', '\x99d099ba23c7ab139ef161d36e603ea0');
INSERT INTO scrapegate.collections VALUES (5, 9, 1796290755804799, 108, 200, '\x2d7eba01996bc7819f387dcafa1f8fe6c7e719205eabe4c85ece65be59a99ab8', '\xf7f2afc987daabe9abd2dcb0f0e20386');
INSERT INTO scrapegate.collections VALUES (6, 11, 1796290755808105, 110, 200, '\xf13a96892216c7b7005eb95745ccdde9dac442c0ee0a80752b906a84f394f5c2', '\xea8846370d20eb26e0477b74335fb36e');
INSERT INTO scrapegate.collections VALUES (7, 13, 1796290755810806, 112, 200, '\x860ef47ab9f92f3b24975b7538834d57f7897801bd7a27da4de76d15c40db836', '\x33bc87bfd2b66e829da312383e60620a');
INSERT INTO scrapegate.collections VALUES (8, 15, 1796290755813222, 114, 200, '\xd979896ab2d66cdb7dd129967c5199e1c8dfee3a6be1a3de9086631e69b79ee5', '\xd7a561c4b6bb2c4241b70972cab97b45');
INSERT INTO scrapegate.collections VALUES (9, 1, 1796290755814025, 0, 301, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '\x1f067eafbf53c0275ecfca1372187414');
INSERT INTO scrapegate.collections VALUES (10, 16, 1796290755834355, 100, 200, '\xcdb2708db3af6ec743ef3a63ed2465c002da3ddebd89f91522519ccbc32089cf', '\x992c8f3d25b6973056b1f17496d7872a');
INSERT INTO scrapegate.collections VALUES (11, 18, 1796290755834500, 102, 200, '\x9392684867789a5a45bce5851e1270ef1a26a35c4b5ea37e91d6d714a95653b0', '\xc166dabea87ffdf8a8ec5a558c058a6b');
INSERT INTO scrapegate.collections VALUES (12, 20, 1796290755834542, 104, 200, '\x0f1be60833f34127cc4dfddd9649dd187597ac6cec1667b447761167ffb0cbee', '\x10061bb178365fb386468a7b7eded9b2');
INSERT INTO scrapegate.collections VALUES (13, 22, 1796290755834610, 106, 200, '\xa5bdb35f8c0a157c0eeb8f678bfa97ef0bd583cce30f67cdc803fdca2de27f9f', '\x90122d8d46109e03fd5e9917db076a1e');
INSERT INTO scrapegate.collections VALUES (14, 24, 1796290755834647, 108, 200, '\x2d7eba01996bc7819f387dcafa1f8fe6c7e719205eabe4c85ece65be59a99ab8', '\x09109c23620d67dfa706b3e160557765');
INSERT INTO scrapegate.collections VALUES (15, 26, 1796290755834696, 110, 200, '\xf13a96892216c7b7005eb95745ccdde9dac442c0ee0a80752b906a84f394f5c2', '\xfb727c1a01ddbcd4059e73d616f24b2e');
INSERT INTO scrapegate.collections VALUES (16, 28, 1796290755834739, 112, 200, '\x860ef47ab9f92f3b24975b7538834d57f7897801bd7a27da4de76d15c40db836', '\x726d9ab11ae98eda8f199200ccc2b8f0');
INSERT INTO scrapegate.collections VALUES (17, 30, 1796290755834779, 114, 200, '\xd979896ab2d66cdb7dd129967c5199e1c8dfee3a6be1a3de9086631e69b79ee5', '\xb954fb1d1aa02318c0e9ef21b553d0c4');
INSERT INTO scrapegate.collections VALUES (18, 16, 1796290755834783, 0, 301, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '\xa9cd76422116b4f8665573dc6b1c15bf');


--
-- Data for Name: contexts; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.contexts VALUES (1, '\xe6dc619adabe5120cac59ce7840e103ae716be8a495b9bc9c6708f1dacfa82a7', 1, 'example.com', 'https://www.example.com', '?x=*&y=*', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (2, '\x535a1b466dab5086b94aa1b9d765fa9fb0d7032de789343fa652ac28dc81ee50', 2, 'example.org', 'https://shop.example.org:8443', '?q=*', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (3, '\xb3bdec37b14d238acbeac21525daf462c0b45fdda5afd412e0a6fa7b5a08d0aa', 3, 'example.net', 'http://old.example.net', '', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (4, '\x5737a0809a461179b1777ccb394a910bce149881e80fd738bbd70fc045bfc717', 4, 'example.com', 'https://www.example.com', '', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (5, '\xc759334b3afee8be2eda44351124d850e8dc04bbaf075f29e77779f7a5cbaae9', 3, 'example.com', 'https://api.example.com', '', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (6, '\x7e6483c8f164abd8525ddcee705d27664d7913434baa513292ce5910d2c2e130', 2, 'example.com', 'https://www.example.com', '?x=*&y=*', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (7, '\xeae34906aa802a428fdee3fcac2117a22f996fc5780bfe0c22b6663751c66836', 1, 'example.org', 'https://shop.example.org:8443', '?q=*', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (8, '\x391836f0076dd4d6d9e540cec764f899fb00589453612be0b988d7fcc81b23fe', 5, 'example.net', 'http://old.example.net', '', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (9, '\xd132362a00a2f6b3d1987ae8b1a62a1a7b3e4d2f90929a49afda6b25e0371763', 3, 'example.com', 'https://www.example.com', '', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (10, '\x137eeef3a3b55b253f8adf356df3e79569aac5025bf78697ee61421944fa4f9c', 6, 'example.com', 'https://api.example.com', '', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (11, '\xe25447c8e99d74514c8f3932d68bce0bbba82479aed100d06afbdddbf2694671', 7, 'example.com', 'https://www.example.com', '?x=*&y=*', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (12, '\xadb6a5ebbd4251754286be6c3b73d1b1d9de1f0ef63cf1b9fa4e2e0579423ec1', 8, 'example.org', 'https://shop.example.org:8443', '?q=*', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (13, '\xe582a89f6f8ce90848166584910dd12a1bdf0954ae2ff55ffa9485563c1a4d4d', 9, 'example.net', 'http://old.example.net', '', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');
INSERT INTO scrapegate.contexts VALUES (14, '\x09a6979e7343e17cdc8e47fda458c0eb3993cb057fa56003f9442666eae78060', 10, 'example.com', 'https://www.example.com', '', '{"optout":null,"robots":"82f3e9c695dc6b8d1b11818d5701919e286de8d47f7c3eb3100c485f79e57828"}');
INSERT INTO scrapegate.contexts VALUES (15, '\xca655c594ba8099b4e79efb85436f6b4e29add64c060957ab89ad02ebf1dd197', 7, 'example.com', 'https://api.example.com', '', '{"optout":null,"robots":"dd191696e15e2ee293410d02454c5f9461a2249dee6d57c75f264eaeb83a3782"}');


--
-- Data for Name: decisions; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.decisions VALUES (1, 1767261600000000, 1, '\x5ac1559f46cc411f87b900003ded9bf1', '/a', '\x6bcd911fcccf6b0bf5583f4a23bf2453859db42657b8b5293255cca2f96b8395');
INSERT INTO scrapegate.decisions VALUES (3, 1767434400000002, 3, '\x5ac1559f46cc411f87b900003ded9bf3', '/', '\x20079d8632660fea8c2efcbd24d7b085e6c453d7d52f80a63b100e5167206ffe');
INSERT INTO scrapegate.decisions VALUES (4, 1767520800000003, 4, '\xff637261776c2d372f6974656d2d33', '/b', '\x0a1b1bef3b8d08cdf9fa5c27fca672ddc6e675c77c9f672ab145b1e9cdc35552');
INSERT INTO scrapegate.decisions VALUES (5, 1767607200000004, 5, '\x5ac1559f46cc411f87b900003ded9bf4', '/', '\x742b161615f85b997aef2b95b499add12c75155658bf3043abff1ddef8fcb710');
INSERT INTO scrapegate.decisions VALUES (6, 1767693600000005, 6, '\x5ac1559f46cc411f87b900003ded9bf5', '/a', '\x286dc5ac12c51a97d1e4df1652ac4b22e972738734839a9b292eafb058727189');
INSERT INTO scrapegate.decisions VALUES (7, 1767780000000006, 7, '\xffff303132333435363738396162636465', '/p/%C3%A9', '\x87004ddf5dd40512724baf89cce78f9c102019d9ddc7296137cc3a8ece9e606b');
INSERT INTO scrapegate.decisions VALUES (9, 1780999200000008, 9, '\x5ac1559f46cc411f87b900003ded9bf7', '/b', '\x5e8f95cd4123dc8df6343a37155e27e3cf11952222a4202dcbb59816bf37c95b');
INSERT INTO scrapegate.decisions VALUES (10, 1780308000000009, 10, '\x7b0c5ee42b1e4c439f4e1f3a2d9c8e71', '/', '\x302d60dddcdbff2e787d95fb9df50046e0fe57f83ae77ad1af6541c4ea971b43');
INSERT INTO scrapegate.decisions VALUES (11, 1780394400000010, 11, '\x5ac1559f46cc411f87b900003ded9bf8', '/a', '\xa5f98630d97dfad18c87d958379233d697fcc345bcb775d3e0c3a0afb8d33886');
INSERT INTO scrapegate.decisions VALUES (12, 1780480800000011, 12, '\x5ac1559f46cc411f87b900003ded9bf9', '/p/%C3%A9', '\x2de861163c4a074c97b25c931efc1e605f5ae669b5c3e9de0eb5a2b30ac1f43c');
INSERT INTO scrapegate.decisions VALUES (13, 1780567200000012, 13, '\x5ac1559f46cc411f87b900003ded9bfa', '/', '\xc118e73c740a15daf37ab370ea7dde587b4697f24c6fa04ffdac966f0531280a');
INSERT INTO scrapegate.decisions VALUES (14, 1780653600000013, 14, '\x5ac1559f46cc411f87b900003ded9bfb', '/b', '\xd8f79087521a89e0162685be39a27270cc9a284208362f6b57aa677fbb2a4acd');
INSERT INTO scrapegate.decisions VALUES (15, 1780740000000014, 15, '\x5ac1559f46cc411f87b900003ded9bfc', '/', '\xaf6d62fd8d7d362d085263e1666b11d0173aeace9ece08b1fb21cdfd73bfd560');
INSERT INTO scrapegate.decisions VALUES (16, 1767261600000000, 1, '\x5ac1559f46cc411f87b900003ded9bfd', '/a', '\xd2cb8822dc8e4dc77bef968c0d15b1f46ad9d8f94e32b9b44bb714961e979521');
INSERT INTO scrapegate.decisions VALUES (18, 1767434400000002, 3, '\x5ac1559f46cc411f87b900003ded9bff', '/', '\x2db1c5277aa1f8b0ac9060f062e9113e1e5bdfb463db5fa4437d966524381b66');
INSERT INTO scrapegate.decisions VALUES (19, 1767520800000003, 4, '\xff637261776c2d372f6974656d2d332d62', '/b', '\x9084fc9ac4e7465925cea45c79b85992dac44435d9266752d3eea75c4277007f');
INSERT INTO scrapegate.decisions VALUES (20, 1767607200000004, 5, '\x5ac1559f46cc411f87b900003ded9c00', '/', '\x793effcfd2bffc8580541314dcd8ef58ccadfd2c3ea10495dae21baa445e78b0');
INSERT INTO scrapegate.decisions VALUES (21, 1767693600000005, 6, '\x5ac1559f46cc411f87b900003ded9c01', '/a', '\xfb54d0c4700e332ebbc108259890973753eecb413a6b398bc26d80fc24a33b6d');
INSERT INTO scrapegate.decisions VALUES (22, 1767780000000006, 7, '\xff3031323334353637383961626364652d62', '/p/%C3%A9', '\x643a816ab05d14156433b2adb09c96573cfb4877bb2d299927cf9e8a3194966d');
INSERT INTO scrapegate.decisions VALUES (24, 1780999200000008, 9, '\x5ac1559f46cc411f87b900003ded9c03', '/b', '\x77d663e543fb46050a40d46e1273d40b028e76c8946d6ae3a541f2ba6efc7310');
INSERT INTO scrapegate.decisions VALUES (25, 1780308000000009, 10, '\x1c9d4f0e8a7b4e2cb5d63f2e1a0b9c8d', '/', '\x8d6d75590c49d725885ed48e43a5833e5a2daf2f51a34f238fd8f28f5e6e14cd');
INSERT INTO scrapegate.decisions VALUES (26, 1780394400000010, 11, '\x5ac1559f46cc411f87b900003ded9c04', '/a', '\xb8dfc147db2ef3dd95db3afc0fd1aa1d129b95a8503b58d6fe4fee709b7476fb');
INSERT INTO scrapegate.decisions VALUES (27, 1780480800000011, 12, '\x5ac1559f46cc411f87b900003ded9c05', '/p/%C3%A9', '\x9303ffd0472a3602b69c8788191362c5ad439236c311f9f2861a24becb652d42');
INSERT INTO scrapegate.decisions VALUES (28, 1780567200000012, 13, '\x5ac1559f46cc411f87b900003ded9c06', '/', '\x66fa6d63f237ac40b16891ee650d5f1f541df89813ff76a8b31a569d9b90a6ce');
INSERT INTO scrapegate.decisions VALUES (29, 1780653600000013, 14, '\x5ac1559f46cc411f87b900003ded9c07', '/b', '\xb48eafc00f590230f60f27479f94d328d08a4c7058ffca5ceef776f9bd0fbc66');
INSERT INTO scrapegate.decisions VALUES (30, 1780740000000014, 15, '\x5ac1559f46cc411f87b900003ded9c08', '/', '\xeec6812c68d42607c836375e7c47e58dab62efe24c39b2d8f69e0625839b3220');


--
-- Data for Name: gaps; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.gaps VALUES ('decisions', 3, 2, '\xcbf3d5f924698c6140eda5a08a8f038cdd08e9b38fefb1a910c83e3ba07f32a4');
INSERT INTO scrapegate.gaps VALUES ('decisions', 9, 8, '\xc1b41db9a7357efa2f9e1f4520d4356a675c8f1a0190dd57a9918ded60a1ea73');
INSERT INTO scrapegate.gaps VALUES ('decisions', 18, 17, '\xcf346c8de6b72f9cbadad299961c4f7547f2990d0f191a31c1299548545ec8d6');
INSERT INTO scrapegate.gaps VALUES ('decisions', 24, 23, '\x50a10ae5e99ab526821a4a8e5ac2702b472c6648d653e1026573c15ca0671d65');


--
-- Data for Name: heads; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.heads VALUES ('decisions', 30, 'eec6812c68d42607c836375e7c47e58dab62efe24c39b2d8f69e0625839b3220');
INSERT INTO scrapegate.heads VALUES ('collections', 18, 'a9cd76422116b4f8665573dc6b1c15bff4a8f921e5fe31c1147ecda90bf6b300');
INSERT INTO scrapegate.heads VALUES ('quarantine', 1, 'ab7b142a4214a1368e700faae3117b730f633673f4aa0e7ef5125fc81aca5bbc');


--
-- Data for Name: meta; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.meta VALUES ('format', 'scrapegate-ledger');


--
-- Data for Name: migrations; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.migrations VALUES (1, 'decisions and collections, each one hash chain serialised by a head row', '2026-12-03 09:39:15.658307+00');
INSERT INTO scrapegate.migrations VALUES (2, 'the response phase''s quarantine, its own hash chain', '2026-12-03 09:39:15.658307+00');
INSERT INTO scrapegate.migrations VALUES (3, 'compact rows: interned profiles and contexts, binary ids, times and hashes (issue 21.5)', '2026-12-03 09:39:15.658307+00');


--
-- Data for Name: profiles; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.profiles VALUES (1, '\xcf1c44ee4fca6d03ad980892c911958c733aec83704936391e1060342ed5028b', 'face-index', 'data-team@example.com', 'GET', 1, 'audit', '[]', '[]', '[]', '["*"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (2, '\x0717f22dedb5144aee4244137dc8eb2c86e9c19064e41fb03d34cd524e006335', 'face-index', 'data-team@example.com', 'GET', 0, 'enforce', '["gdpr.art9_prohibited"]', '[]', '[]', '["EU","FR"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (3, '\xa6c045bcd8e21c6f783d7743b2a36bf2332e43001a8903b0c4eaeeeb809b6341', 'face-index', 'data-team@example.com', 'GET', 1, 'enforce', '[]', '[]', '[]', '["*"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (4, '\x6e352830bbea4ce7594a46dcb9800b068da22366a7195e2580f5837f62b5e827', 'face-index', 'data-team@example.com', 'GET', 1, 'audit', '[]', '[]', '[]', '["EU"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (5, '\x766e487da453cd0e2073b635d28ba1a9c10ff0f54d976d66cb8c07a70a78226d', 'face-index', 'data-team@example.com', 'GET', 1, 'enforce', '[]', '[]', '[]', '["EU"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (6, '\x8c66aa0e3c4120be5b198713bcb07fa7d5186252599124bb9089d787373547ee', 'face-index', 'data-team@example.com', 'GET', 0, 'audit', '["gdpr.art9_prohibited"]', '[]', '[]', '["EU","FR"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (7, '\xdba1570568c2596084e6e35fa3d939d207a914847ab51e847756023fde89e62b', 'prices', 'data-team@example.com', 'GET', 1, 'enforce', '[]', '[]', '[]', '["*"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (8, '\xf94acf0f344f43e568175437bf5fce10a4786f36026864993506e105dfde85e6', 'prices', 'data-team@example.com', 'GET', 1, 'enforce', '[]', '[]', '[]', '["EU"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (9, '\x4a17ac8c80ffc2334e9ec6e809f6216967e02f2bc70c491ed434e87021794c44', 'prices', 'data-team@example.com', 'GET', 1, 'audit', '[]', '[]', '[]', '["*"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);
INSERT INTO scrapegate.profiles VALUES (10, '\xdcd79792b313c1fe4b79baab8b94c7ed4a8726c076dce408f87550d9465acd95', 'prices', 'data-team@example.com', 'GET', 0, 'enforce', '["gdpr.art9_prohibited"]', '[]', '[]', '["EU","FR"]', '{"assessments":{"dpia":null,"lia":"LIA-7"},"consent":{"evidence":null,"kind":"none"},"gdpr_art6":"legitimate_interests","gdpr_art9":null}', 'rev-1', 'embedded', NULL);


--
-- Data for Name: prunes; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.prunes VALUES (1, '{"before": "2026-03-01T00:00:00.000000Z", "gaps": {"collections": "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945", "decisions": "acda3913c20a406fcdc2eef2ec94e2748cacf4896d4e51d93e422f61e92bfda6"}, "kind": "prune", "removed": {"collections": 0, "decisions": 4}, "time": "2026-12-03T09:39:16Z", "v": 1}', '846f652ef3a0b02d56dec6ad08a275f3abbadf0e24c3b66962c95205a7127478');


--
-- Data for Name: quarantine; Type: TABLE DATA; Schema: scrapegate; Owner: -
--

INSERT INTO scrapegate.quarantine VALUES (1, '2026-12-03T09:39:15.992143Z', 'quarantined', 'crawl-7/item-3', 'face-index', 'example.com', 'https://www.example.com/b', 'content.undeclared_category', 'biometric', '{"findings":[{"detector":"faces","sha256":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}]}', 1, NULL, '0000000000000000000000000000000000000000000000000000000000000000', 'ab7b142a4214a1368e700faae3117b730f633673f4aa0e7ef5125fc81aca5bbc');


--
-- Name: contexts_id_seq; Type: SEQUENCE SET; Schema: scrapegate; Owner: -
--

SELECT pg_catalog.setval('scrapegate.contexts_id_seq', 30, true);


--
-- Name: profiles_id_seq; Type: SEQUENCE SET; Schema: scrapegate; Owner: -
--

SELECT pg_catalog.setval('scrapegate.profiles_id_seq', 20, true);


--
-- Name: prunes_id_seq; Type: SEQUENCE SET; Schema: scrapegate; Owner: -
--

SELECT pg_catalog.setval('scrapegate.prunes_id_seq', 1, true);


--
-- Name: collections collections_pkey1; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.collections
    ADD CONSTRAINT collections_pkey1 PRIMARY KEY (seq);


--
-- Name: contexts contexts_key_key; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.contexts
    ADD CONSTRAINT contexts_key_key UNIQUE (key);


--
-- Name: contexts contexts_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.contexts
    ADD CONSTRAINT contexts_pkey PRIMARY KEY (id);


--
-- Name: decisions decisions_pkey1; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.decisions
    ADD CONSTRAINT decisions_pkey1 PRIMARY KEY (seq);


--
-- Name: gaps gaps_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.gaps
    ADD CONSTRAINT gaps_pkey PRIMARY KEY (chain, seq);


--
-- Name: heads heads_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.heads
    ADD CONSTRAINT heads_pkey PRIMARY KEY (chain);


--
-- Name: meta meta_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (key);


--
-- Name: migrations migrations_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.migrations
    ADD CONSTRAINT migrations_pkey PRIMARY KEY (version);


--
-- Name: profiles profiles_key_key; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.profiles
    ADD CONSTRAINT profiles_key_key UNIQUE (key);


--
-- Name: profiles profiles_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.profiles
    ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);


--
-- Name: prunes prunes_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.prunes
    ADD CONSTRAINT prunes_pkey PRIMARY KEY (id);


--
-- Name: quarantine quarantine_pkey; Type: CONSTRAINT; Schema: scrapegate; Owner: -
--

ALTER TABLE ONLY scrapegate.quarantine
    ADD CONSTRAINT quarantine_pkey PRIMARY KEY (seq);


--
-- Name: collections_by_decision; Type: INDEX; Schema: scrapegate; Owner: -
--

CREATE INDEX collections_by_decision ON scrapegate.collections USING btree (decision);


--
-- Name: decisions_by_id; Type: INDEX; Schema: scrapegate; Owner: -
--

CREATE INDEX decisions_by_id ON scrapegate.decisions USING btree (SUBSTRING(id FROM (length(id) - 5)));


--
-- Name: quarantine_by_job_site; Type: INDEX; Schema: scrapegate; Owner: -
--

CREATE INDEX quarantine_by_job_site ON scrapegate.quarantine USING btree (job, site);


--
-- PostgreSQL database dump complete
--


