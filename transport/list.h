/*
 * list.h - an intrusive doubly linked list: the node lives inside the object
 * listed (container_of() gets the object back), so putting an object on a
 * list never allocates.
 *
 * A list is a head node whose next and prev point at itself when empty. A
 * node taken off a list points at itself too, so removing it again is
 * harmless.
 *
 * Entry points: ssc_link_init(), ssc_link_insert(), ssc_link_remove(),
 * ssc_link_empty().
 */
#ifndef SSC_LIST_H
#define SSC_LIST_H

typedef struct ssc_link {
    struct ssc_link *prev, *next;
} ssc_link;

static inline void ssc_link_init(ssc_link *head)
{
    head->prev = head->next = head;
}

/* Appends node at the tail of head's list. */
static inline void ssc_link_insert(ssc_link *head, ssc_link *node)
{
    node->prev = head->prev;
    node->next = head;
    head->prev->next = node;
    head->prev = node;
}

static inline void ssc_link_remove(ssc_link *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = node;
}

static inline int ssc_link_empty(const ssc_link *head)
{
    return head->next == head;
}

#endif
