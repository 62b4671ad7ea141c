/* Module fields of the WAT parser (pass 2): each function is called with the
 * current token just after the field's keyword and stops before its ')'. */
#ifndef WEFT_WAT_WAT_FIELDS_H
#define WEFT_WAT_WAT_FIELDS_H

#include "wat/wat_internal.h"

int wat_field_func(wat_parser *p, weft_error **err);
int wat_field_table(wat_parser *p, weft_error **err);
int wat_field_memory(wat_parser *p, weft_error **err);
int wat_field_global(wat_parser *p, weft_error **err);
int wat_field_import(wat_parser *p, weft_error **err);
int wat_field_export(wat_parser *p, weft_error **err);
int wat_field_start(wat_parser *p, weft_error **err);
int wat_field_elem(wat_parser *p, weft_error **err);
int wat_field_data(wat_parser *p, weft_error **err);

/* An element segment being built (also by `(table funcref (elem ...))`). */
enum wat_elem_mode { WAT_ELEM_ACTIVE, WAT_ELEM_PASSIVE, WAT_ELEM_DECLARE };

typedef struct wat_elem {
    enum wat_elem_mode mode;
    uint32_t table;
    uint8_t type;   /* reference type of the items */
    wat_buf offset; /* constant expression with its end, active only */
    wat_buf exprs;  /* every item as a constant expression */
    wat_buf funcs;  /* the function indices, valid while all_funcs */
    uint32_t nitems;
    bool not_all_funcs; /* some item is not a plain `ref.func x` */
} wat_elem;

/* Items: `func`-style function indices (funclist) or expressions. */
int wat_elem_items(wat_parser *p, wat_elem *seg, bool funclist, weft_error **err);
void wat_elem_emit(wat_parser *p, const wat_elem *seg);
void wat_elem_free(wat_elem *seg);

#endif
