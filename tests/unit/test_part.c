/* The spare-parts store: names and checks, the catalogue, locations, movements that never
 * take stock below zero, the low-stock event once per crossing, replenishment decided by
 * someone else and received once, and monthly consumption per part and per model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_asset.h"
#include "kb_notify.h"
#include "kb_part.h"
#include "kb_store.h"

#define T0 1772438400LL /* 2026-03-02T08:00:00Z */
#define MONTH (31LL * 86400)

static void test_names(void)
{
    for (int i = 0; i < KB_PART_NMOVES; i++)
        CHECK_INT_EQ(kb_part_move_of(kb_part_move_name(i)), i);
    for (int i = 0; i < KB_PART_NREORDER_STATES; i++)
        CHECK_INT_EQ(kb_part_reorder_state_of(kb_part_reorder_state_name(i)), i);
    CHECK_STR_EQ(kb_part_move_name(KB_PART_MOVE_return), "return");
    CHECK(kb_part_move_name(KB_PART_NMOVES) == NULL && kb_part_move_of("Issue") == -1);
    const char *good[] = { "CF259A", "HP-26A", "a.b_c", "0", NULL };
    for (size_t i = 0; good[i]; i++)
        CHECK(kb_part_number_valid(good[i]));
    const char *bad[] = { "", "-x", "a b", "硒鼓", "locations", "Movements", "consumption.csv",
                          NULL };
    for (size_t i = 0; bad[i]; i++)
        CHECK(!kb_part_number_valid(bad[i]));
    CHECK(kb_part_month_valid("2026-03") && !kb_part_month_valid("2026-13") &&
          !kb_part_month_valid("1969-12") && !kb_part_month_valid("2026-3") &&
          !kb_part_month_valid(NULL));

    kb_err err;
    kb_part_in in;
    memset(&in, 0, sizeof in);
    in.minimum = -1;
    CHECK_INT_EQ(kb_part_check(&in, 1, &err), KB_EINVAL);
    in.number = "CF259A";
    CHECK_INT_EQ(kb_part_check(&in, 1, &err), KB_EINVAL); /* no name */
    in.name = "硒鼓";
    CHECK_INT_EQ(kb_part_check(&in, 1, &err), KB_OK);
    in.minimum = KB_PART_MAX_QTY + 1;
    CHECK_INT_EQ(kb_part_check(&in, 1, &err), KB_EINVAL);
    in.minimum = 2;
    const char *models[] = { "M404", "m404" };
    in.models = models;
    in.nmodels = 2;
    in.set_models = 1;
    CHECK_INT_EQ(kb_part_check(&in, 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "repeats") != NULL);
}

static kb_status do_move(kb_store *s, const char *number, int kind, long long qty,
                         const char *loc, const char *to, const char *asset, const char *note,
                         long long now, kb_err *err)
{
    kb_part_move_in in;
    memset(&in, 0, sizeof in);
    in.kind = kind;
    in.qty = qty;
    in.location = loc;
    in.to_location = to;
    in.asset = asset;
    in.note = note;
    in.actor = "eng1";
    return kb_part_move_make(s, number, &in, now, NULL, err);
}

static long long stock_of(kb_store *s, const char *number)
{
    kb_part *p = NULL;
    kb_err err;
    if (kb_part_get(s, number, &p, &err) != KB_OK)
        return -1;
    long long n = p->stock;
    kb_part_free(p);
    return n;
}

static size_t low_events(kb_store *s)
{
    kb_notify_msg **v = NULL;
    size_t n = 0, low = 0;
    kb_err err;
    CHECK_INT_EQ(kb_notify_list(s, NULL, 0, KB_NOTIFY_MAX_LIMIT, &v, &n, &err), KB_OK);
    for (size_t i = 0; i < n; i++)
        low += strcmp(v[i]->event, "part_low") == 0;
    kb_notify_msgs_free(v, n);
    return low;
}

static void test_store(kb_store *s)
{
    kb_err err;
    /* a channel that hears of low stock */
    kb_notify_channel *c = kb_notify_channel_new();
    kb_notify_set(&c->name, "store");
    kb_notify_set(&c->url, "http://127.0.0.1:9/hook");
    c->events = 1u << KB_NOTIFY_PART_LOW;
    CHECK_INT_EQ(kb_notify_channel_put(s, c, "admin", T0, &err), KB_OK);
    kb_notify_channel_free(c);

    kb_asset_in a;
    memset(&a, 0, sizeof a);
    a.cls = KB_ASSET_CLASS_printer;
    a.status = -1;
    a.caller_id = -1;
    a.tag = "PRN-1";
    a.model = "LaserJet M404dn";
    CHECK_INT_EQ(kb_asset_create(s, &a, T0, NULL, &err), KB_OK);

    kb_part_in in;
    memset(&in, 0, sizeof in);
    in.number = "CF259A";
    in.name = "HP 59A 黑色硒鼓";
    const char *models[] = { "LaserJet M404dn" };
    in.models = models;
    in.nmodels = 1;
    in.set_models = 1;
    in.minimum = 2;
    in.actor = "admin";
    kb_part *p = NULL;
    CHECK_INT_EQ(kb_part_create(s, &in, T0, &p, &err), KB_OK);
    CHECK(p && p->stock == 0 && p->low && p->low_since == T0 && strcmp(p->unit, "个") == 0);
    kb_part_free(p);
    CHECK_INT_EQ(low_events(s), 1); /* created below its minimum */
    in.number = "cf259a";
    CHECK_INT_EQ(kb_part_create(s, &in, T0, NULL, &err), KB_EEXIST);

    CHECK_INT_EQ(kb_part_location_add(s, "总部仓库", NULL, "admin", T0, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_part_location_add(s, "3F 备件柜", "东区", "admin", T0, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_part_location_add(s, " 总部仓库 ", NULL, "admin", T0, NULL, &err), KB_EEXIST);

    /* receive 3: at the minimum again, the mark cleared */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_receive, 3, "总部仓库", NULL, NULL, NULL,
                         T0 + 60, &err), KB_OK);
    CHECK_INT_EQ(stock_of(s, "CF259A"), 3);
    /* issue 4 of 3: refused, nothing changes */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 4, "总部仓库", NULL, "PRN-1", NULL,
                         T0 + 120, &err), KB_ECONFLICT);
    CHECK(strstr(err.msg, "not enough stock") != NULL && strstr(err.msg_zh, "库存不足"));
    CHECK_INT_EQ(stock_of(s, "CF259A"), 3);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "3F 备件柜", NULL, "PRN-1", NULL,
                         T0 + 120, &err), KB_ECONFLICT);
    /* bad movements */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "总部仓库", NULL, NULL, NULL,
                         T0 + 120, &err), KB_EINVAL);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "总部仓库", NULL, "PRN-404", NULL,
                         T0 + 120, &err), KB_EINVAL);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "地下室", NULL, "PRN-1", NULL,
                         T0 + 120, &err), KB_EINVAL);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_scrap, 1, "总部仓库", NULL, NULL, NULL,
                         T0 + 120, &err), KB_EINVAL);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_move, 1, "总部仓库", "总部仓库", NULL, NULL,
                         T0 + 120, &err), KB_EINVAL);
    CHECK_INT_EQ(do_move(s, "NOPE", KB_PART_MOVE_scrap, 1, "总部仓库", NULL, NULL, "x",
                         T0 + 120, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 0, "总部仓库", NULL, "PRN-1", NULL,
                         T0 + 120, &err), KB_EINVAL);
    CHECK_INT_EQ(low_events(s), 1);

    /* move 1 to the cabinet, issue it from there: 2 left, at the minimum */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_move, 1, "总部仓库", "3F 备件柜", NULL, NULL,
                         T0 + 180, &err), KB_OK);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "3F 备件柜", NULL, "prn-1", NULL,
                         T0 + 240, &err), KB_OK);
    CHECK_INT_EQ(stock_of(s, "CF259A"), 2);
    CHECK_INT_EQ(low_events(s), 1);
    /* below the minimum: one event; further issues while low: none */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "总部仓库", NULL, "PRN-1", NULL,
                         T0 + 300, &err), KB_OK);
    CHECK_INT_EQ(low_events(s), 2);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_return, 1, "总部仓库", NULL, "PRN-1", "未用",
                         T0 + 360, &err), KB_OK);
    CHECK_INT_EQ(low_events(s), 2); /* back at 2: not low, the mark cleared */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_scrap, 1, "总部仓库", NULL, NULL, "破损",
                         T0 + 420, &err), KB_OK);
    CHECK_INT_EQ(low_events(s), 3); /* a new crossing */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "总部仓库", NULL, "PRN-1", NULL,
                         T0 + 480, &err), KB_OK);
    CHECK_INT_EQ(low_events(s), 3);
    CHECK_INT_EQ(stock_of(s, "CF259A"), 0);
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 1, "总部仓库", NULL, "PRN-1", NULL,
                         T0 + 480, &err), KB_ECONFLICT);

    kb_part_list *l = NULL;
    kb_part_filter f = { .low = 1 };
    CHECK_INT_EQ(kb_part_search(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 1 && l->n == 1 && l->items[0]->low);
    kb_part_list_free(l);
    f.low = 0;
    f.q = "m404";
    CHECK_INT_EQ(kb_part_search(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 1);
    kb_part_list_free(l);

    /* the movements of the asset */
    kb_part_move *mv = NULL;
    size_t nmv = 0;
    long long total = 0;
    kb_part_move_filter mf = { .asset = "PRN-1" };
    CHECK_INT_EQ(kb_part_moves(s, &mf, &mv, &nmv, &total, &err), KB_OK);
    CHECK_INT_EQ(total, 4);
    CHECK(nmv == 4 && mv[0].kind == KB_PART_MOVE_issue &&
          strcmp(mv[0].model, "LaserJet M404dn") == 0 && strcmp(mv[0].actor, "eng1") == 0);
    kb_part_moves_free(mv, nmv);

    /* replenishment: four eyes, received once */
    kb_part_reorder *r = NULL;
    CHECK_INT_EQ(kb_part_reorder_create(s, "CF259A", 5, "总部仓库", "库存不足", "eng1", T0 + 600,
                                        &r, &err), KB_OK);
    long long id = r ? r->id : 0;
    CHECK(r && r->state == KB_PART_REORDER_pending && strcmp(r->location, "总部仓库") == 0);
    kb_part_reorder_free(r);
    CHECK_INT_EQ(kb_part_reorder_receive(s, id, 0, NULL, NULL, "eng1", T0 + 610, NULL, &err),
                 KB_ECONFLICT);
    CHECK_INT_EQ(kb_part_reorder_decide(s, id, 1, NULL, "ENG1", T0 + 620, NULL, &err),
                 KB_EDENIED);
    CHECK_INT_EQ(kb_part_reorder_decide(s, id, 0, NULL, "appr1", T0 + 620, NULL, &err),
                 KB_EINVAL); /* a rejection says why */
    CHECK_INT_EQ(kb_part_reorder_decide(s, id, 1, "同意", "appr1", T0 + 630, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_part_reorder_decide(s, id, 1, NULL, "appr2", T0 + 640, NULL, &err),
                 KB_ECONFLICT);
    CHECK_INT_EQ(kb_part_reorder_receive(s, id, 0, NULL, "到货", "eng2", T0 + 700, &r, &err),
                 KB_OK);
    CHECK(r && r->state == KB_PART_REORDER_received && r->received == 5);
    kb_part_reorder_free(r);
    CHECK_INT_EQ(stock_of(s, "CF259A"), 5);
    CHECK_INT_EQ(kb_part_reorder_receive(s, id, 0, NULL, NULL, "eng2", T0 + 710, NULL, &err),
                 KB_ECONFLICT);
    CHECK_INT_EQ(kb_part_reorder_decide(s, 999, 1, NULL, "appr1", T0, NULL, &err),
                 KB_ENOTFOUND);

    /* next month: one more issue to the asset */
    CHECK_INT_EQ(do_move(s, "CF259A", KB_PART_MOVE_issue, 2, "总部仓库", NULL, "PRN-1", NULL,
                         T0 + MONTH, &err), KB_OK);
    kb_part_use *u = NULL;
    size_t nu = 0;
    CHECK_INT_EQ(kb_part_consumption(s, "2026-01", "2026-12", 0, &u, &nu, &err), KB_OK);
    CHECK_INT_EQ(nu, 2);
    if (nu == 2) {
        CHECK(strcmp(u[0].month, "2026-03") == 0 && u[0].issued == 3 && u[0].returned == 1);
        CHECK(strcmp(u[1].month, "2026-04") == 0 && u[1].issued == 2 && u[1].returned == 0);
    }
    kb_part_uses_free(u, nu);
    CHECK_INT_EQ(kb_part_consumption(s, "2026-03", "2026-03", 1, &u, &nu, &err), KB_OK);
    CHECK(nu == 1 && strcmp(u[0].model, "LaserJet M404dn") == 0);
    kb_part_uses_free(u, nu);
    CHECK_INT_EQ(kb_part_consumption(s, "2026-04", "2026-03", 0, &u, &nu, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_part_consumption(s, "2020-01", "2026-03", 0, &u, &nu, &err), KB_EINVAL);

    /* a minimum raised above the stock is a crossing too */
    size_t before = low_events(s);
    memset(&in, 0, sizeof in);
    in.minimum = 10;
    in.actor = "admin";
    CHECK_INT_EQ(kb_part_update(s, "CF259A", &in, T0 + MONTH + 60, &p, &err), KB_OK);
    CHECK(p && p->low && p->minimum == 10 && p->nat == 2);
    kb_part_free(p);
    CHECK_INT_EQ(low_events(s), before + 1);
    in.number = "X";
    CHECK_INT_EQ(kb_part_update(s, "CF259A", &in, T0, NULL, &err), KB_EINVAL);
}

int main(void)
{
    test_names();
    fixture fx;
    if (fixture_open(&fx, "part") != 0)
        return CHECK_DONE("test_part");
    test_store(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_part");
}
