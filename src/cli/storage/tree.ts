// The layer tree of `layers --tree`, drawn as the Go CLI's tree.go draws it:
// each root (a parent that is nobody's child, `(base)` for base layers), then its
// children with box-drawing stems, notes under each node.

export interface TreeNode {
  left: string;
  right: string;
  notes: string[];
}

const INDENT_STEP = 2;
const VERTICAL = '\u2502';
const THIS_AND_MORE = '\u251c';
const JUST_THIS = '\u2514';
const STEM = '\u2500'.repeat(INDENT_STEP - 1);

/** The tree text of parent→child edges (`left` is the parent, `right` the child). */
export function printTree(nodes: TreeNode[]): string {
  let text = '';
  let remaining = nodes;
  while (remaining.length > 0) {
    const root = selectRoot(remaining);
    text += `${root}\n`;
    const before = remaining.length;
    const result = printSubTree(root, remaining, 0, []);
    text += result.text;
    remaining = result.leftovers;
    // Edges that form a cycle have no root: print what could be placed rather than loop.
    if (remaining.length === before) break;
  }
  return text;
}

// The parent that is no node's child and has the fewest children (Go walks a map
// here, so its tie-break is random; Berth takes the first in list order).
function selectRoot(nodes: TreeNode[]): string {
  const children = new Map<string, number>();
  const areChildren = new Set<string>();
  for (const node of nodes) {
    areChildren.add(node.right);
    children.set(node.left, (children.get(node.left) ?? 0) + 1);
  }
  let favorite = '';
  for (const [left, count] of children) {
    if (areChildren.has(left)) continue;
    if (favorite === '' || count < children.get(favorite)!) favorite = left;
  }
  return favorite;
}

function printSubTree(root: string, nodes: TreeNode[], indent: number, continued: number[]): { text: string; leftovers: TreeNode[] } {
  let leftovers = nodes.filter((node) => node.left !== root);
  const children = nodes.filter((node) => node.left === root);
  let text = '';
  children.forEach((child, n) => {
    const columns = [...' '.repeat(indent)];
    for (const column of continued) columns[column] = VERTICAL;
    const prefix = columns.join('');
    const more = n < children.length - 1;
    const header = more ? THIS_AND_MORE : JUST_THIS;
    const noteHeader = more ? VERTICAL : ' ';
    text += `${prefix}${header}${STEM}${child.right}\n`;
    for (const note of child.notes) text += `${prefix}${noteHeader}${' '.repeat(STEM.length)}${note}\n`;
    const sub = printSubTree(child.right, leftovers, indent + INDENT_STEP, more ? [...continued, indent] : continued);
    text += sub.text;
    leftovers = sub.leftovers;
  });
  return { text, leftovers };
}
